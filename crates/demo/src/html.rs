//! The demo's HTML report: one self-contained file (inline SVG, no scripts, no network) with the
//! policy table, daily CTR per creative, spend and conversions per policy, the actions taken, the
//! check against the ground truth and the hidden truth itself.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::NaiveDate;
use sandbox::GroundTruth;
use sandbox::market::Market;

use crate::DemoReport;
use crate::summary::{self, DailyPoint};

const PALETTE: [&str; 10] =
    ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

struct Series {
    name: String,
    color: &'static str,
    points: Vec<(usize, f64)>,
}

/// A line chart over day indices `0..days.len()`; `markers` are day indices drawn as dashed lines.
fn line_chart(title: &str, days: &[NaiveDate], series: &[Series], y_label: &str, markers: &[usize]) -> String {
    let (w, h, left, right, top, bottom) = (760.0, 280.0, 64.0, 180.0, 28.0, 36.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max_y = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0_f64, f64::max).max(1e-12) * 1.1;
    let n = days.len().max(2) - 1;
    let x = |i: usize| left + plot_w * i as f64 / n as f64;
    let y = |v: f64| top + plot_h * (1.0 - v / max_y);
    let mut svg = format!(
        r#"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}">"#,
        escape(title),
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>"##
    );
    for k in 0..=4 {
        let v = max_y * k as f64 / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{y0:.1}" y2="{y0:.1}" stroke="#eee"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
            left + plot_w,
            left - 4.0,
            y(v) + 3.0,
            fmt_axis(v, y_label),
            y0 = y(v)
        );
    }
    for (i, d) in days.iter().enumerate() {
        if days.len() <= 10 || i % (days.len() / 7).max(1) == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"#,
                x(i),
                h - 14.0,
                d.format("%m-%d")
            );
        }
    }
    for &m in markers {
        let _ = write!(
            svg,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="{top}" y2="{1}" stroke="#999" stroke-dasharray="3,3"/>"##,
            x(m),
            top + plot_h
        );
    }
    // Drawn last to first, so the first series (this system) stays on top where lines coincide.
    for s in series.iter().rev() {
        let pts: Vec<String> = s.points.iter().map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v))).collect();
        if !pts.is_empty() {
            let _ = write!(
                svg,
                r#"<polyline fill="none" stroke="{}" stroke-width="1.8" points="{}"/>"#,
                s.color,
                pts.join(" ")
            );
        }
    }
    for (k, s) in series.iter().enumerate() {
        let ly = top + 12.0 + 14.0 * k as f64;
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{:.1}" width="10" height="3" fill="{}"/><text x="{}" y="{:.1}" font-size="11">{}</text>"#,
            w - right + 10.0,
            ly - 3.0,
            s.color,
            w - right + 24.0,
            ly + 1.0,
            escape(&s.name)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn fmt_axis(v: f64, unit: &str) -> String {
    match unit {
        "%" => format!("{:.2}%", v * 100.0),
        "$" => format!("${v:.0}"),
        _ => format!("{v:.0}"),
    }
}

fn policy_series(days: &[NaiveDate], daily: &[DailyPoint], pick: impl Fn(&DailyPoint) -> [f64; 3]) -> Vec<Series> {
    let index: BTreeMap<NaiveDate, usize> = days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let names = ["this system", "no optimization", "oracle"];
    (0..3)
        .map(|k| Series {
            name: names[k].into(),
            color: PALETTE[k],
            points: daily.iter().filter_map(|p| Some((*index.get(&p.date?)?, pick(p)[k]))).collect(),
        })
        .collect()
}

pub fn render(report: &DemoReport, truth: &GroundTruth, system: &Market) -> String {
    let days: Vec<NaiveDate> = report.start.iter_days().take_while(|d| *d < report.end).collect();
    let index: BTreeMap<NaiveDate, usize> = days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let markers: Vec<usize> = report.actions.iter().filter_map(|a| index.get(&a.at.date_naive()).copied()).collect();

    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>LinkedIn Ads pipeline: demo report</h1><p>Scenario <b>{}</b>, seed {}, {} simulated days ({} to {}). \
         Everything below ran through the real jobs and HTTP client against the local LinkedIn sandbox.</p>",
        escape(&report.scenario),
        report.seed,
        report.days,
        report.start,
        report.end.pred_opt().unwrap_or(report.end)
    );
    let _ = write!(body, "<h2>Results by policy</h2><pre>{}</pre>", escape(&summary::table(&report.policies)));
    body.push_str(
        "<p>Conversions count every conversion the period's clicks produce, including those LinkedIn reports later. \
         The oracle knows every creative's true rates and picks the best creative and bid per campaign.</p>",
    );

    body.push_str("<h2>Daily CTR per creative (this system)</h2>");
    for campaign in system.campaigns() {
        let series: Vec<Series> = system
            .creatives()
            .filter(|c| c.campaign == campaign.id)
            .enumerate()
            .map(|(k, c)| Series {
                name: format!("{}{}", c.id, if c.created_via_api { " (new)" } else { "" }),
                color: PALETTE[k % PALETTE.len()],
                points: truth
                    .daily
                    .iter()
                    .filter(|d| d.creative == c.id && d.delivered.impressions > 0)
                    .filter_map(|d| {
                        Some((*index.get(&d.date)?, d.delivered.clicks as f64 / d.delivered.impressions as f64))
                    })
                    .collect(),
            })
            .collect();
        body.push_str(&line_chart(
            &format!("{} ({})", campaign.name, campaign.objective),
            &days,
            &series,
            "%",
            &markers,
        ));
    }
    body.push_str("<h2>Spend and conversions per day</h2>");
    body.push_str(&line_chart(
        "Spend per day (USD)",
        &days,
        &policy_series(&days, &report.daily, |p| {
            use rust_decimal::prelude::ToPrimitive;
            [p.system_spend, p.baseline_spend, p.oracle_spend].map(|d| d.to_f64().unwrap_or(0.0))
        }),
        "$",
        &markers,
    ));
    body.push_str(&line_chart(
        "Conversions per day",
        &days,
        &policy_series(&days, &report.daily, |p| {
            [p.system_conversions as f64, p.baseline_conversions as f64, p.oracle_conversions as f64]
        }),
        "",
        &markers,
    ));

    let _ = write!(body, "<h2>Actions taken ({})</h2>", report.actions.len());
    if report.actions.is_empty() {
        body.push_str("<p>None: no job wrote to LinkedIn in this run.</p>");
    } else {
        body.push_str("<table><tr><th>when</th><th>entity</th><th>field</th><th>before</th><th>after</th></tr>");
        for a in &report.actions {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                a.at.format("%Y-%m-%d %H:%M"),
                escape(&a.entity),
                escape(&a.field),
                escape(&a.before.to_string()),
                escape(&a.after.to_string())
            );
        }
        body.push_str("</table>");
    }

    let r = &report.reconciliation;
    let _ = write!(
        body,
        "<h2>Collected data against the ground truth</h2><p>{}: {} raw objects, {} rows, {} creative-days after \
         de-duplication (truth: {}), {} mismatches, {} unreadable lines.</p><table><tr><th></th><th>impressions</th>\
         <th>clicks</th><th>spend</th><th>conversions reported</th></tr><tr><td>collected</td><td>{}</td><td>{}</td>\
         <td>{}</td><td>{}</td></tr><tr><td>truth</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        if r.matches() { "<b>match</b>" } else { "<b class=bad>MISMATCH</b>" },
        r.raw_objects,
        r.raw_rows,
        r.creative_days_collected,
        r.creative_days_truth,
        r.mismatches,
        r.bad_lines,
        r.collected.impressions,
        r.collected.clicks,
        r.collected.spend,
        r.collected.conversions_reported,
        r.truth.impressions,
        r.truth.clicks,
        r.truth.spend,
        r.truth.conversions_reported
    );
    for e in &r.examples {
        let _ = write!(body, "<p class=bad>{}</p>", escape(e));
    }

    body.push_str(
        "<h2>The hidden truth</h2><p>What no job can see: each creative's true click-through and conversion rates.</p>\
         <table><tr><th>creative</th><th>campaign</th><th>status</th><th>true CTR</th><th>true CVR</th><th>impressions</th>\
         <th>clicks</th><th>spend</th><th>conversions</th></tr>",
    );
    for c in &truth.creatives {
        let _ = write!(
            body,
            "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{:.3}%</td><td>{:.2}%</td><td>{}</td><td>{}</td><td>${}</td><td>{}</td></tr>",
            c.id,
            if c.created_via_api { " (new)" } else { "" },
            c.campaign,
            escape(&c.intended_status),
            c.true_ctr * 100.0,
            c.true_cvr * 100.0,
            c.delivered.impressions,
            c.delivered.clicks,
            c.delivered.spend,
            c.delivered.conversions
        );
    }
    body.push_str("</table>");
    let _ = write!(
        body,
        "<p>API: {} calls, {} retries ({} throttled, {} server errors), {} token refreshes.</p>",
        report.api.api_calls,
        report.api.retries,
        report.api.throttled,
        report.api.server_errors,
        report.token_refreshes
    );

    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Demo report: {}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}}\
         table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ddd;padding:3px 8px;text-align:right}}\
         pre{{background:#f6f6f6;padding:8px;overflow-x:auto}}figure{{margin:1em 0}}figcaption{{font-weight:600}}\
         .note{{background:#fff8e1;padding:6px}}.bad{{color:#b00}}</style></head><body>{body}</body></html>\n",
        escape(&report.scenario)
    )
}
