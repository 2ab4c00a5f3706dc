"""WeCom's callback crypto (the WXBizMsgCrypt scheme), written against `cryptography`.

Every callback WeCom sends us, and the URL-verification echo, is:

    msg_signature = sha1(sorted([token, timestamp, nonce, encrypt]) joined)   (hex)
    encrypt       = base64(AES-256-CBC(key, iv=key[:16],
                        pkcs7_32(random16 + len(msg).to_bytes(4, "big") + msg + receive_id)))
    key           = base64decode(EncodingAESKey + "=")                         (32 bytes)

The official libraries skip most validation (padding bytes, declared length, signature timing);
this one refuses anything that is not exactly what the scheme produces, each refusal with its
own exception so the HTTP layer can answer with the right status and the logs say why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32  # WeCom pads to 32 bytes, not AES's 16
_RANDOM_LEN = 16
_LENGTH_LEN = 4
_AES_KEY_RE = re.compile(r"^[A-Za-z0-9]{43}$")


class WeComCryptoError(Exception):
    """A callback we refuse. Subclasses say why; the message is safe to log (no secrets)."""


class BadSignature(WeComCryptoError):
    """msg_signature does not match token, timestamp, nonce and ciphertext: forged or corrupted."""


class StaleTimestamp(WeComCryptoError):
    """The timestamp is outside the allowed clock skew (a replay) or is not a number."""


class BadCiphertext(WeComCryptoError):
    """Not base64, truncated, bad PKCS#7 padding, inconsistent length, or not UTF-8."""


class WrongReceiveId(WeComCryptoError):
    """Decrypted fine but was encrypted for another corp / receiver."""


class WeComCrypto:
    """Verify, decrypt and encrypt WeCom callbacks for one robot (one token + EncodingAESKey).

    `receive_id` is the corp id for apps, and "" for a company's own intelligent robot and
    group robot (WeCom's docs: 企业内部智能机器人场景 ReceiveId 为 "").
    """

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        receive_id: str,
        *,
        max_clock_skew: float = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not token:
            raise ValueError("WeCom token must not be empty")
        if not _AES_KEY_RE.fullmatch(encoding_aes_key):
            raise ValueError("WeCom EncodingAESKey must be 43 characters of A-Z, a-z, 0-9")
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
        if len(key) != 32:  # pragma: no cover - 43 base64 chars always decode to 32 bytes
            raise ValueError("WeCom EncodingAESKey does not decode to 32 bytes")
        if max_clock_skew < 0:
            raise ValueError("max_clock_skew must be >= 0")
        self._token = token
        self._key = key
        self._receive_id = receive_id.encode("utf-8")
        self._max_clock_skew = max_clock_skew
        self._clock = clock

    def __repr__(self) -> str:  # never show the token or key
        return f"WeComCrypto(receive_id={self._receive_id.decode('utf-8')!r})"

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        """sha1 hex digest of the lexicographically sorted concatenation, as WeCom computes it."""
        parts = sorted([self._token, timestamp, nonce, encrypt])
        return hashlib.sha1("".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def verify_and_decrypt(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        """Return the plaintext message, or raise a `WeComCryptoError` subclass.

        The signature is checked first (in constant time), so nothing about an unauthenticated
        ciphertext is ever examined.
        """
        expected = self.signature(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode(), msg_signature.encode("utf-8", "surrogatepass")):
            raise BadSignature("msg_signature mismatch")
        self._check_timestamp(timestamp)
        return self._decrypt(encrypt)

    def encrypt(
        self, plaintext: str, nonce: str, timestamp: str, *, random_prefix: bytes | None = None
    ) -> tuple[str, str]:
        """Encrypt a message the way WeCom does; returns `(encrypt_b64, msg_signature)`.

        `random_prefix` (16 bytes) exists for frozen test vectors; leave it None otherwise.
        """
        prefix = os.urandom(_RANDOM_LEN) if random_prefix is None else random_prefix
        if len(prefix) != _RANDOM_LEN:
            raise ValueError("random_prefix must be 16 bytes")
        msg = plaintext.encode("utf-8")
        body = prefix + len(msg).to_bytes(_LENGTH_LEN, "big") + msg + self._receive_id
        pad = BLOCK_SIZE - len(body) % BLOCK_SIZE
        body += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        ciphertext = encryptor.update(body) + encryptor.finalize()
        encrypt_b64 = base64.b64encode(ciphertext).decode("ascii")
        return encrypt_b64, self.signature(timestamp, nonce, encrypt_b64)

    def _check_timestamp(self, timestamp: str) -> None:
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
            raise StaleTimestamp("timestamp is not a unix time in seconds")
        skew = abs(self._clock() - int(timestamp))
        if skew > self._max_clock_skew:
            raise StaleTimestamp(f"timestamp is {int(skew)} s away from now")

    def _decrypt(self, encrypt: str) -> str:
        try:
            ciphertext = base64.b64decode(encrypt.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise BadCiphertext("ciphertext is not base64") from exc
        if not ciphertext or len(ciphertext) % BLOCK_SIZE:
            raise BadCiphertext(f"ciphertext length {len(ciphertext)} is not a multiple of {BLOCK_SIZE}")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()

        pad = padded[-1]
        if not 1 <= pad <= BLOCK_SIZE or padded[-pad:] != bytes([pad]) * pad:
            raise BadCiphertext("bad PKCS#7 padding")
        content = padded[_RANDOM_LEN:-pad]
        if len(content) < _LENGTH_LEN:
            raise BadCiphertext("plaintext too short")
        msg_len = int.from_bytes(content[:_LENGTH_LEN], "big")
        if _LENGTH_LEN + msg_len > len(content):
            raise BadCiphertext("declared message length exceeds the plaintext")
        msg = content[_LENGTH_LEN : _LENGTH_LEN + msg_len]
        receive_id = content[_LENGTH_LEN + msg_len :]
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise WrongReceiveId("receive id does not match")
        try:
            return msg.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadCiphertext("message is not UTF-8") from exc
