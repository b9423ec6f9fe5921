#!/usr/bin/env python3
"""fakecloud.py -- honest fakes of Amazon Bedrock's runtime, Google Vertex
AI, Google's OAuth token endpoint, EC2's IMDSv2 and the GCE metadata
server, for apiprobe's integration tests. Standard library only, and
independent of apiprobe's C code: the fake recomputes SigV4 signatures
from the request bytes it received (canonical request, credential scope,
5 minute date window) and verifies RS256 JWT assertions with the service
account's public modulus (PKCS#1 v1.5 by hand) and their claims, the way
the services do, so a wrong signature fails the test.

usage: fakecloud.py --certs CERT.pem,KEY.pem --portfile F [--log F]
                    [--sa-email E --sa-modulus HEX] LISTENER...
LISTENER is KIND:SCENARIO[:skew=SECONDS], one port each:
  bedrock:{ok,access_denied,model_not_found,throttling,unavailable}
  vertex:{ok,permission_denied,model_not_found,quota,unavailable}
  token:{ok,invalid_grant}   imds:{ok,norole}   gce:{ok}
skew=S runs that listener's clock S seconds ahead (Date header and all
time checks). The log has one line per request and never a credential.
"""
import argparse
import calendar
import hashlib
import hmac
import http.server
import json
import os
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from email.utils import formatdate

# Credentials the fake AWS knows: access key id -> (secret, session?)
AWS_KEYS = {
    "AKIAFAKELONGTERM0001": ("fakeSecretLongTerm/0001+abcdefghijklmnopq", None),
    "ASIAFAKEEXPIRED00001": ("fakeSecretExpired/0001+abcdefghijklmnopqr",
                             "expired"),
}
IMDS_ROLE = "apiprobe-test-role"
STATE = {"tokens": set(), "sessions": {}, "imds_tokens": set(),
         "lock": threading.Lock()}
LOG = {"f": None, "lock": threading.Lock()}
SA = {"email": None, "n": None}


def log(line):
    with LOG["lock"]:
        if LOG["f"]:
            LOG["f"].write(line + "\n")
            LOG["f"].flush()


# ---- SigV4, written from AWS's description (not apiprobe's code) ----

def uri_encode(s, keep_slash=False):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(s, safe=safe)


def canonical_path(raw):
    segs = []
    for s in raw.split("/"):
        if s in ("", "."):
            continue
        if s == "..":
            if segs:
                segs.pop()
            continue
        segs.append(s)
    out = "/" + "/".join(uri_encode(s) for s in segs)
    if raw.endswith("/") and segs:
        out += "/"
    return out


def canonical_query(q):
    pairs = []
    for part in q.split("&") if q else []:
        if not part:
            continue
        k, _, v = part.partition("=")
        pairs.append((uri_encode(urllib.parse.unquote(k)),
                      uri_encode(urllib.parse.unquote(v))))
    return "&".join("%s=%s" % kv for kv in sorted(pairs))


def sigv4_expected(method, target, headers, signed, body, amz_date, scope,
                   secret):
    path, _, query = target.partition("?")
    hv = {}
    for k, v in headers:
        hv.setdefault(k.lower(), []).append(" ".join(v.strip().split()))
    lines = []
    for name in signed:
        if name not in hv:
            return None
        lines.append("%s:%s\n" % (name, ",".join(hv[name])))
    creq = "\n".join([method, canonical_path(path), canonical_query(query),
                      "".join(lines), ";".join(signed),
                      hashlib.sha256(body).hexdigest()])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    date8, region, service, _ = scope.split("/")
    k = ("AWS4" + secret).encode()
    for part in (date8, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()


def amz_time(s):
    return calendar.timegm(time.strptime(s, "%Y%m%dT%H%M%SZ"))


def amz_fmt(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


# ---- RS256 by hand: PKCS#1 v1.5 with SHA-256 ----

DIGESTINFO = bytes.fromhex("3031300d060960864801650304020105000420")


def b64u_dec(s):
    import base64
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def rs256_ok(signing_input, sig, n, e=65537):
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    m = pow(int.from_bytes(sig, "big"), e, n).to_bytes(k, "big")
    h = hashlib.sha256(signing_input).digest()
    want = b"\x00\x01" + b"\xff" * (k - 3 - len(DIGESTINFO) - len(h)) + \
        b"\x00" + DIGESTINFO + h
    return hmac.compare_digest(m, want)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakecloud"
    sys_version = ""

    def log_message(self, *a):
        pass

    def now(self):
        return time.time() + self.server.skew

    def body(self):
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(min(n, 1 << 20)) if n > 0 else b""

    def send(self, status, obj, extra=(), ctype="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("date", formatdate(self.now(), usegmt=True))
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def note(self, what):
        log("%s %s %s %s" % (self.server.spec, self.command,
                             self.path.split("?")[0][:200], what))

    # ---- Bedrock runtime ----
    def aws_error(self, status, etype, msg):
        self.note("error=" + etype)
        self.send(status, {"message": msg},
                  [("x-amzn-RequestId", str(uuid.uuid4())),
                   ("x-amzn-ErrorType", etype + ":http://internal.amazon.com"
                    "/coral/com.amazon.bedrock/")])

    def bedrock(self, body):
        auth = self.headers.get("authorization", "")
        amz = self.headers.get("x-amz-date", "")
        try:
            assert auth.startswith("AWS4-HMAC-SHA256 ")
            f = dict(p.strip().split("=", 1)
                     for p in auth[17:].split(","))
            akid, scope = f["Credential"].split("/", 1)
            signed = f["SignedHeaders"].split(";")
            sig = f["Signature"]
            date8, region, service, term = scope.split("/")
            assert term == "aws4_request" and "host" in signed
            assert "x-amz-date" in signed and amz
            t = amz_time(amz)
        except Exception:
            return self.aws_error(403, "IncompleteSignature",
                                  "Authorization header requires "
                                  "'Credential', 'Signature' and "
                                  "'SignedHeaders' parameters.")
        if akid not in AWS_KEYS and akid not in STATE["sessions"]:
            return self.aws_error(403, "UnrecognizedClientException",
                                  "The security token included in the "
                                  "request is invalid.")
        secret, session = AWS_KEYS.get(akid) or STATE["sessions"][akid]
        now = self.now()
        if abs(now - t) > 300:
            return self.aws_error(
                403, "InvalidSignatureException",
                "Signature expired: %s is now earlier than %s (%s - 5 min.)"
                % (amz, amz_fmt(now - 300), amz_fmt(now)) if t < now else
                "Signature not yet current: %s is still later than %s "
                "(%s + 5 min.)" % (amz, amz_fmt(now + 300), amz_fmt(now)))
        host = self.headers.get("host", "").split(":")[0]
        want_region = host.split(".")[1] if host.count(".") > 2 else ""
        if date8 != amz[:8] or service != "bedrock" or \
                region != want_region:
            return self.aws_error(
                403, "InvalidSignatureException",
                "Credential should be scoped to a valid region, service "
                "and date.")
        exp = sigv4_expected(self.command, self.path, self.headers.items(),
                             signed, body, amz, scope, secret)
        if exp is None or not hmac.compare_digest(exp, sig):
            return self.aws_error(
                403, "InvalidSignatureException",
                "The request signature we calculated does not match the "
                "signature you provided. Check your AWS Secret Access Key "
                "and signing method. Consult the service documentation for "
                "details.")
        if session:
            tok = self.headers.get("x-amz-security-token")
            if session == "expired":
                return self.aws_error(403, "ExpiredTokenException",
                                      "The security token included in the "
                                      "request is expired")
            if tok != session or "x-amz-security-token" not in signed:
                return self.aws_error(403, "UnrecognizedClientException",
                                      "The security token included in the "
                                      "request is invalid.")
        parts = self.path.split("?")[0].split("/")
        if len(parts) != 4 or parts[1] != "model" or \
                parts[3] != "count-tokens" or self.command != "POST":
            return self.aws_error(404, "UnknownOperationException", "")
        try:
            json.loads(body)["input"]["converse"]["messages"]
        except Exception:
            return self.aws_error(400, "ValidationException",
                                  "Malformed input request")
        model = urllib.parse.unquote(parts[2])
        scen = self.server.scen
        if scen == "access_denied":
            return self.aws_error(403, "AccessDeniedException",
                                  "You don't have access to the model with "
                                  "the specified model ID.")
        if scen == "model_not_found":
            return self.aws_error(404, "ResourceNotFoundException",
                                  "Could not resolve the foundation model "
                                  "from the provided model identifier.")
        if scen == "throttling":
            return self.aws_error(429, "ThrottlingException",
                                  "Too many requests, please wait before "
                                  "trying again.")
        if scen == "unavailable":
            return self.aws_error(503, "ServiceUnavailableException",
                                  "Bedrock is unable to process your "
                                  "request.")
        self.note("ok model=%s" % model[:80])
        self.send(200, {"inputTokens": 8},
                  [("x-amzn-RequestId", str(uuid.uuid4()))])

    # ---- Vertex AI ----
    def g_error(self, code, status, msg):
        self.note("error=" + status)
        self.send(code, {"error": {"code": code, "message": msg,
                                   "status": status}})

    def vertex(self, body):
        auth = self.headers.get("authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else None
        with STATE["lock"]:
            known = tok in STATE["tokens"]
        if not known:
            return self.g_error(401, "UNAUTHENTICATED",
                                "Request had invalid authentication "
                                "credentials. Expected OAuth 2 access "
                                "token.")
        p = self.path.split("?")[0].split("/")
        # /v1/projects/P/locations/R/publishers/anthropic/models/
        #   count-tokens:rawPredict
        if len(p) != 10 or p[1] != "v1" or p[2] != "projects" or \
                p[4] != "locations" or p[6:9] != ["publishers", "anthropic",
                                                  "models"] or \
                p[9] != "count-tokens:rawPredict":
            return self.g_error(404, "NOT_FOUND", "Not found")
        project, region = p[3], p[5]
        host = self.headers.get("host", "").split(":")[0]
        if not host.startswith(region + "-aiplatform."):
            return self.g_error(400, "FAILED_PRECONDITION",
                                "location does not match the endpoint")
        try:
            model = json.loads(body)["model"]
        except Exception:
            return self.g_error(400, "INVALID_ARGUMENT", "bad body")
        scen = self.server.scen
        if scen == "permission_denied":
            return self.g_error(
                403, "PERMISSION_DENIED",
                "Permission 'aiplatform.endpoints.predict' denied on "
                "resource '//aiplatform.googleapis.com/projects/%s/locations"
                "/%s/publishers/anthropic/models/%s' (or it may not exist)."
                % (project, region, model))
        if scen == "model_not_found":
            return self.g_error(
                404, "NOT_FOUND",
                "Publisher Model `projects/%s/locations/%s/publishers/"
                "anthropic/models/%s` not found." % (project, region, model))
        if scen == "quota":
            return self.g_error(
                429, "RESOURCE_EXHAUSTED",
                "Quota exceeded for aiplatform.googleapis.com/"
                "online_prediction_requests_per_base_model with base model: "
                "anthropic-claude. Please submit a quota increase request.")
        if scen == "unavailable":
            return self.g_error(503, "UNAVAILABLE",
                                "The service is currently unavailable.")
        self.note("ok model=%s" % model[:80])
        self.send(200, {"input_tokens": 9})

    # ---- Google's token endpoint ----
    def token(self, body):
        def refuse(err, desc):
            self.note("error=%s" % err)
            self.send(400, {"error": err, "error_description": desc})
        form = urllib.parse.parse_qs(body.decode("ascii", "replace"))
        if form.get("grant_type") != [
                "urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return refuse("unsupported_grant_type", "Invalid grant_type")
        jwt = (form.get("assertion") or [""])[0]
        try:
            h64, c64, s64 = jwt.split(".")
            header = json.loads(b64u_dec(h64))
            claims = json.loads(b64u_dec(c64))
            sig = b64u_dec(s64)
        except Exception:
            return refuse("invalid_grant", "Invalid JWT: malformed")
        if header.get("alg") != "RS256":
            return refuse("invalid_grant", "Invalid JWT: alg")
        if not rs256_ok((h64 + "." + c64).encode(), sig, SA["n"]):
            return refuse("invalid_grant", "Invalid JWT Signature.")
        now = self.now()
        iat, exp = claims.get("iat", 0), claims.get("exp", 0)
        if exp - iat > 3600 or iat > now + 300 or exp < now - 300:
            return refuse("invalid_grant",
                          "Invalid JWT: Token must be a short-lived token "
                          "(60 minutes) and in a reasonable timeframe. Check "
                          "your iat and exp values in the JWT claim.")
        if claims.get("iss") != SA["email"] or self.server.scen == \
                "invalid_grant":
            return refuse("invalid_grant",
                          "Invalid grant: account not found")
        aud = "https://%s%s" % (self.headers.get("host", ""),
                                self.path)
        if claims.get("aud") != aud or "cloud-platform" not in \
                claims.get("scope", ""):
            return refuse("invalid_scope", "Invalid audience or scope")
        tok = "ya29.fake" + secrets.token_urlsafe(48)
        with STATE["lock"]:
            STATE["tokens"].add(tok)
        self.note("ok issued")
        self.send(200, {"access_token": tok, "expires_in": 3599,
                        "token_type": "Bearer"})

    # ---- IMDSv2 ----
    def imds(self):
        p = self.path
        if self.command == "PUT" and p == "/latest/api/token":
            if not self.headers.get("x-aws-ec2-metadata-token-ttl-seconds"):
                return self.send(400, b"", ctype="text/plain")
            t = secrets.token_urlsafe(32)
            with STATE["lock"]:
                STATE["imds_tokens"].add(t)
            self.note("token")
            return self.send(200, t.encode(), ctype="text/plain")
        with STATE["lock"]:
            ok = self.headers.get("x-aws-ec2-metadata-token") in \
                STATE["imds_tokens"]
        if not ok:
            self.note("401 no token")
            return self.send(401, b"", ctype="text/plain")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.server.scen == "norole" and p.startswith(base):
            self.note("404 no role")
            return self.send(404, b"", ctype="text/plain")
        if p == base:
            self.note("role list")
            return self.send(200, IMDS_ROLE.encode(), ctype="text/plain")
        if p == base + IMDS_ROLE:
            akid = "ASIAFAKEIMDS" + secrets.token_hex(4).upper()
            sec = secrets.token_urlsafe(30)
            tok = "IQoJfakeSession" + secrets.token_urlsafe(60)
            with STATE["lock"]:
                STATE["sessions"][akid] = (sec, tok)
            self.note("credentials")
            exp = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                time.gmtime(time.time() + 6 * 3600))
            return self.send(200, {"Code": "Success", "Type": "AWS-HMAC",
                                   "AccessKeyId": akid,
                                   "SecretAccessKey": sec, "Token": tok,
                                   "Expiration": exp})
        self.send(404, b"", ctype="text/plain")

    # ---- GCE metadata server ----
    def gce(self):
        if self.headers.get("metadata-flavor") != "Google":
            self.note("403 no flavor")
            return self.send(403, b"Missing Metadata-Flavor:Google header.",
                             ctype="text/html")
        if self.path != "/computeMetadata/v1/instance/service-accounts/" \
                        "default/token":
            return self.send(404, b"", ctype="text/html")
        tok = "ya29.gce" + secrets.token_urlsafe(48)
        with STATE["lock"]:
            STATE["tokens"].add(tok)
        self.note("ok issued")
        self.send(200, {"access_token": tok, "expires_in": 3599,
                        "token_type": "Bearer"},
                  [("metadata-flavor", "Google")])

    def handle_any(self):
        body = self.body()
        k = self.server.kind
        if k == "bedrock":
            self.bedrock(body)
        elif k == "vertex":
            self.vertex(body)
        elif k == "token":
            self.token(body)
        elif k == "imds":
            self.imds()
        else:
            self.gce()

    do_GET = do_POST = do_PUT = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--certs", required=True)
    ap.add_argument("--portfile", required=True)
    ap.add_argument("--log")
    ap.add_argument("--sa-email")
    ap.add_argument("--sa-modulus")
    ap.add_argument("listeners", nargs="+")
    a = ap.parse_args()
    if a.log:
        LOG["f"] = open(a.log, "a")
    SA["email"] = a.sa_email
    SA["n"] = int(a.sa_modulus, 16) if a.sa_modulus else 0
    cert, key = a.certs.split(",")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    servers, lines = [], []
    for spec in a.listeners:
        parts = spec.split(":")
        srv = Server(("127.0.0.1", 0), Handler)
        srv.spec, srv.kind, srv.scen = spec, parts[0], parts[1]
        srv.skew = 0
        for opt in parts[2:]:
            if opt.startswith("skew="):
                srv.skew = float(opt[5:])
        if srv.kind in ("bedrock", "vertex", "token"):
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        servers.append(srv)
        lines.append("%s %d\n" % (spec, srv.server_address[1]))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = a.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.writelines(lines)
    os.rename(tmp, a.portfile)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *x: stop.set())
    signal.signal(signal.SIGINT, lambda *x: stop.set())
    stop.wait()
    for s in servers:
        s.shutdown()


if __name__ == "__main__":
    main()
