"""A minimal LinkedIn Marketing API stand-in for the CLI tests (the full sandbox is its own crate).

It serves campaign search, the creatives finder, posts and adAnalytics, checks the versioned
headers, and records every request so tests can look at what the CLI sent.
"""

import json
import re
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT = 777


class Handler(BaseHTTPRequestHandler):
    requests = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        Handler.requests.append({"path": self.path, "authorization": None, "body": body})
        if self.path == "/oauth/v2/accessToken" and "grant_type=refresh_token" in body:
            return self._send(200, {"access_token": "py-refreshed-token", "expires_in": 5184000})
        return self._send(404, {"status": 404, "message": f"no route {self.path}"})

    def do_GET(self):
        Handler.requests.append({"path": self.path, "authorization": self.headers.get("Authorization")})
        if self.headers.get("X-Restli-Protocol-Version") != "2.0.0" or not self.headers.get("LinkedIn-Version"):
            return self._send(400, {"status": 400, "message": "missing versioned headers"})
        path, _, query = self.path.partition("?")
        if path == f"/rest/adAccounts/{ACCOUNT}/adCampaigns":
            return self._send(200, {"elements": [
                {"id": 11, "name": "Search", "status": "ACTIVE", "costType": "CPC",
                 "unitCost": {"amount": "7.25", "currencyCode": "USD"},
                 "dailyBudget": {"amount": "150", "currencyCode": "USD"}}], "metadata": {}})
        if path == f"/rest/adAccounts/{ACCOUNT}/creatives":
            return self._send(200, {"elements": [
                {"id": f"urn:li:sponsoredCreative:{i}", "campaign": "urn:li:sponsoredCampaign:11",
                 "intendedStatus": "ACTIVE", "content": {"reference": f"urn:li:share:{i}"}} for i in (501, 502)],
                "metadata": {}})
        if path.startswith("/rest/posts/"):
            return self._send(200, {"commentary": "Free guide: 5 ways to cut CPC today?",
                                    "content": {"article": {"title": "Cut your CPC", "source": "https://ex.com"}},
                                    "contentCallToActionLabel": "DOWNLOAD"})
        if path == "/rest/adAnalytics":
            nums = [int(n) for n in re.findall(r"\d+", query.split("dateRange=")[1].split("&")[0])]
            start, end = date(*nums[0:3]), date(*nums[3:6])
            elements = []
            d = start
            while d <= end:
                ymd = {"year": d.year, "month": d.month, "day": d.day}
                for i in (501, 502):
                    elements.append({"dateRange": {"start": ymd, "end": ymd},
                                     "pivotValues": [f"urn:li:sponsoredCreative:{i}"],
                                     "impressions": 2000, "clicks": 9, "costInUsd": "1.5E1",
                                     "costInLocalCurrency": "15", "externalWebsiteConversions": 1})
                d += timedelta(days=1)
            return self._send(200, {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})
        return self._send(404, {"status": 404, "message": f"no route {path}"})


def start():
    """Starts the server on a free loopback port; returns (server, base_url)."""
    Handler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
