//! The guardrails every policy's pauses pass through last, so no policy can bypass them.

use chrono::NaiveDate;

use super::{Action, CampaignEvidence, Decision, Params};

/// Keeps one active and one serving creative per campaign and at most `max_pauses_per_campaign` pauses
/// per day, weakest first: `proposals` are (decision, rank), lowest rank paused first; `active` is how
/// many creatives of the campaign are active now. A pause that does not fit is marked skipped with the
/// rule. Serving means approved and not held ([`super::CreativeEvidence::serving`]): an ACTIVE creative
/// that review rejected delivers nothing, so it does not count as the one left running.
pub(crate) fn cap_pauses(
    campaign: &CampaignEvidence,
    as_of: NaiveDate,
    params: &Params,
    proposals: &mut [(Decision, f64)],
    active: usize,
) {
    let mut order: Vec<usize> = (0..proposals.len()).collect();
    order.sort_by(|a, b| proposals[*a].1.total_cmp(&proposals[*b].1));
    let mut remaining = active;
    let mut serving = campaign.creatives.iter().filter(|c| c.active && c.serving).count();
    let serves = |d: &Decision| match d.entity {
        super::Entity::Creative { id, .. } => campaign.creatives.iter().any(|c| c.id == id && c.serving),
        super::Entity::Campaign { .. } => false,
    };
    // Pauses already made today count against the cap, so a second run the same day adds none.
    let mut paused = campaign.creatives.iter().filter(|c| !c.active && c.last_changed == Some(as_of)).count() as u32;
    for i in order {
        let d = &mut proposals[i].0;
        if d.action != Action::Pause || d.skipped.is_some() {
            continue;
        }
        let its_serving = serves(d);
        if remaining <= 1 {
            d.skipped = Some("guardrail: the last active creative of the campaign is never paused".into());
        } else if its_serving && serving <= 1 {
            d.skipped = Some(
                "guardrail: the last serving (approved, not held) creative of the campaign is never paused".into(),
            );
        } else if paused >= params.guardrails.max_pauses_per_campaign {
            d.skipped = Some(format!(
                "guardrail: at most {} pause(s) per campaign per day",
                params.guardrails.max_pauses_per_campaign
            ));
        } else {
            paused += 1;
            remaining -= 1;
            serving -= usize::from(its_serving);
        }
    }
}
