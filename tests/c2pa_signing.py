"""Real C2PA manifests for tests: a throwaway ES256 certificate chain made here, and
the C2PA project's own Builder signing an image with it.

The chain is a root CA and an end-entity certificate shaped as the C2PA
certificate profile asks (digitalSignature, the emailProtection purpose, not a
CA, key identifiers both ways), so the library signs with it and reads it back;
its root is on no trust list, which the reader reports as "untrusted" and which
does not stop it from naming the issuer.
"""

from __future__ import annotations

import datetime
import io

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ISSUER = "Stand-in Test Issuer"
GENERATOR = "standin-signer"
GENERATOR_VERSION = "1.0"
TITLE = "stand-in answer"
MIME = {b"\x89PNG": "image/png", b"\xff\xd8": "image/jpeg", b"RIFF": "image/webp"}


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, ISSUER)])


def _usage(sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=not sign, crl_sign=not sign, encipher_only=False,
                         decipher_only=False)


def make_chain() -> tuple[bytes, bytes]:
    """(certificate chain PEM, leaf first; the leaf's private key PEM)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    valid = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        x509.CertificateBuilder().subject_name(_name("Test Root")).issuer_name(_name("Test Root"))
        .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(valid[0]).not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                       critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder().subject_name(_name("Test Signer")).issuer_name(root.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(valid[0]).not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                       critical=False)
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + root.public_bytes(pem)
    private = key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return chain, private


def signer_for(chain: bytes, private: bytes):
    """A function that signs PNG, JPEG or WebP bytes with a fresh manifest."""
    manifest = {
        "claim_generator_info": [{"name": GENERATOR, "version": GENERATOR_VERSION}],
        "title": TITLE,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [{
            "action": "c2pa.created",
            "digitalSourceType":
                "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        }]}}],
    }

    def sign(encoded: bytes) -> bytes:
        mime = next(m for magic, m in MIME.items() if encoded.startswith(magic))
        signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(
            c2pa.C2paSigningAlg.ES256, chain, private, None))
        out = io.BytesIO()
        with c2pa.Builder(manifest) as builder:  # a Builder signs once
            builder.sign(signer, mime, io.BytesIO(encoded), out)
        return out.getvalue()

    return sign
