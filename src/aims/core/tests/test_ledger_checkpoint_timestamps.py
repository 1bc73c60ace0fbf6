"""RFC 3161 time-stamping of checkpoints (AIMS_LEDGER_TSA_URL), against a stub authority: OpenSSL's own time-stamp
server (`openssl ts -reply`) behind a local HTTP endpoint, with a throwaway CA and a time-stamping certificate. The
token the product keeps must be one an auditor can check with the authority's root: it stamps exactly the
checkpoint's signed text. An authority that answers garbage or fails never fails the change."""

import base64
import datetime
import json
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import rfc3161_client
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from aims.core import checkpoints, ledger_checkpoints, services

pytestmark = pytest.mark.django_db

OPENSSL = shutil.which("openssl")
POLICY = "1.3.6.1.4.1.99999.1"


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool):
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:  # RFC 3161 2.3: a time-stamping certificate has this one extended key usage, critical
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    """A CA, a time-stamping certificate it issued, and OpenSSL's TSA configuration over them."""
    if OPENSSL is None:  # Debian ships openssl with the base system; CI's machine has it
        pytest.fail("the openssl command is needed for the stub time-stamp authority")
    folder = tmp_path_factory.mktemp("tsa")
    ca_key, tsa_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stub root")])
    tsa_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stub TSA")])
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    tsa = _certificate(tsa_name, ca_name, tsa_key.public_key(), ca_key, ca=False)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "tsa.pem").write_bytes(tsa.public_bytes(serialization.Encoding.PEM))
    (folder / "tsa.key").write_bytes(tsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(f"""[ tsa ]
default_tsa = stub
[ stub ]
serial = {folder}/serial
signer_cert = {folder}/tsa.pem
signer_key = {folder}/tsa.key
certs = {folder}/tsa.pem
signer_digest = sha256
default_policy = {POLICY}
digests = sha256, sha384, sha512
ess_cert_id_alg = sha256
accuracy = secs:1
""")
    return {"folder": folder, "root": ca, "certificate": tsa}


class _Authority(BaseHTTPRequestHandler):
    folder = None
    queries: list = []
    garbage = False

    def do_POST(self):  # noqa: N802 (http.server's naming)
        query = self.rfile.read(int(self.headers["Content-Length"]))
        _Authority.queries.append((self.headers["Content-Type"], query))
        if _Authority.garbage:
            reply = b"<html>maintenance</html>"
        else:
            (self.folder / "query.tsq").write_bytes(query)
            subprocess.run([OPENSSL, "ts", "-reply", "-config", str(self.folder / "tsa.cnf"), "-queryfile",
                            str(self.folder / "query.tsq"), "-out", str(self.folder / "reply.tsr")],
                           check=True, capture_output=True)
            reply = (self.folder / "reply.tsr").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def tsa(authority, settings):
    _Authority.folder, _Authority.queries, _Authority.garbage = authority["folder"], [], False
    server = HTTPServer(("127.0.0.1", 0), _Authority)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.LEDGER_TSA_URL = f"http://127.0.0.1:{server.server_port}/tsa"
    yield _Authority
    server.shutdown()


def _stamps():
    path = ledger_checkpoints.checkpoint_path().with_suffix(".tsr.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_each_checkpoint_is_time_stamped_and_the_token_checks_against_the_authoritys_root(
        tsa, authority, admin_user, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.create_org_unit(actor=admin_user, name="Team", code="team", parent=org["north"])
    (record,) = checkpoints.read(ledger_checkpoints.checkpoint_path()).records
    ((content_type, _query),) = tsa.queries
    assert content_type == "application/timestamp-query"
    (stamp,) = _stamps()
    assert (stamp["type"], stamp["id"], stamp["hash"], stamp["checkpoint_at"]) == (
        "aims-ledger-timestamp", record["id"], record["hash"], record["at"])
    token = rfc3161_client.decode_timestamp_response(base64.b64decode(stamp["tsr"]))
    signed_text = checkpoints._message(record, checkpoints.SIGNED_FIELDS)
    verifier = rfc3161_client.VerifierBuilder(roots=[authority["root"]], tsa_certificate=authority["certificate"],
                                              policy_id=x509.ObjectIdentifier(POLICY)).build()
    assert verifier.verify_message(token, signed_text)
    # The token vouches for this checkpoint only: another head hash does not match it.
    with pytest.raises(rfc3161_client.VerificationError):
        verifier.verify_message(token, signed_text.replace(record["hash"].encode(), b"0" * len(record["hash"])))


def test_an_authority_that_answers_garbage_keeps_nothing_and_does_not_fail_the_change(
        tsa, admin_user, org, django_capture_on_commit_callbacks):
    tsa.garbage = True
    with django_capture_on_commit_callbacks(execute=True):
        unit = services.create_org_unit(actor=admin_user, name="Team", code="team", parent=org["north"])
    assert unit.pk and tsa.queries  # asked, refused the answer
    assert _stamps() == []
    assert [r["id"] for r in checkpoints.read(ledger_checkpoints.checkpoint_path()).records] == [1]
