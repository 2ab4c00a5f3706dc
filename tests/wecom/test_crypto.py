"""WXBizMsgCrypt: frozen vectors, both directions against wechatpy, and every refusal."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WechatpyCrypto

from bot.adapters.wecom.crypto import (
    BadCiphertext,
    BadSignature,
    StaleTimestamp,
    WeComCrypto,
    WeComCryptoError,
    WrongReceiveId,
)
from tests.fakes.wecom_api import WeComCallbackDriver
from tests.wecom.conftest import AES_KEY, CORP_ID, TOKEN

NOW = 1409304348
TS = str(NOW)
NONCE = "1372623149"
PREFIX = b"0123456789abcdef"
PLAIN = '{"msgid":"CAIQ16HMjQYY","msgtype":"text","text":{"content":"@物业管家 3栋电梯坏了"}}'
KEY = base64.b64decode(AES_KEY + "=")

# Frozen: generated once with WeComCrypto.encrypt and checked byte for byte against wechatpy.
VECTORS = {
    "": (
        "Q3stYC6hdFzMh9T8HCvyDPMgrUErU3p7it5VGjrb9ED8Y3jqNmJAz5Ry7rSDg8dxsS3PBQ7XkeNFI6uZPBOzOOjhC5D/"
        "G4HL+/41Cl1dyR0J7u8SIHUszDZitePcWz8RnRfizlS7LPUHnmGZVFnwZCScfSFEXCIFM+fvQVaaSSg=",
        "1fe18284f914b8606f4408a6506a22e0ef4dc2e1",
    ),
    CORP_ID: (
        "Q3stYC6hdFzMh9T8HCvyDPMgrUErU3p7it5VGjrb9ED8Y3jqNmJAz5Ry7rSDg8dxsS3PBQ7XkeNFI6uZPBOzOOjhC5D/"
        "G4HL+/41Cl1dyR0J7u8SIHUszDZitePcWz8RnRfizlS7LPUHnmGZVFnwZKlzSk+Sj+e6bn3M93XVvOF/zBj90Wq3bTGQbqq5"
        "k9+oerB5JwlpQ1Yq7ZtBs7goTg==",
        "26664f9b93ba47a2aaf212f5efda034813b64f87",
    ),
}


def make(receive_id: str = "", now: float = NOW, skew: float = 300) -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, receive_id, max_clock_skew=skew, clock=lambda: now)


def raw_encrypt(body: bytes) -> str:
    """AES-CBC over exactly `body` (no padding added): for crafting malformed plaintexts."""
    enc = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).encryptor()
    return base64.b64encode(enc.update(body) + enc.finalize()).decode()


def signed(crypto: WeComCrypto, encrypt: str) -> str:
    return crypto.signature(TS, NONCE, encrypt)


# -- fixed vectors ----------------------------------------------------------------------------


@pytest.mark.parametrize("receive_id", list(VECTORS))
def test_encrypt_matches_frozen_vector(receive_id: str) -> None:
    encrypt, signature = make(receive_id).encrypt(PLAIN, NONCE, TS, random_prefix=PREFIX)
    assert (encrypt, signature) == VECTORS[receive_id]


@pytest.mark.parametrize("receive_id", list(VECTORS))
def test_decrypt_frozen_vector(receive_id: str) -> None:
    encrypt, signature = VECTORS[receive_id]
    assert make(receive_id).verify_and_decrypt(signature, TS, NONCE, encrypt) == PLAIN


@pytest.mark.parametrize("receive_id", list(VECTORS))
def test_frozen_vector_is_what_wechatpy_produces(receive_id: str) -> None:
    class FixedPrefix(PrpCrypto):  # type: ignore[misc]
        def get_random_string(self) -> str:
            return PREFIX.decode()

    assert FixedPrefix(KEY).encrypt(PLAIN, receive_id).decode() == VECTORS[receive_id][0]


def test_signature_is_sha1_of_sorted_parts() -> None:
    import hashlib

    expected = hashlib.sha1("".join(sorted([TOKEN, TS, NONCE, "abc"])).encode()).hexdigest()
    assert make().signature(TS, NONCE, "abc") == expected


# -- both directions against wechatpy ------------------------------------------------------


@pytest.mark.parametrize("receive_id", ["", CORP_ID])
def test_wechatpy_decrypts_ours(receive_id: str) -> None:
    encrypt, signature = make(receive_id).encrypt(PLAIN, NONCE, TS)
    xml = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    assert WechatpyCrypto(TOKEN, AES_KEY, receive_id).decrypt_message(xml, signature, TS, NONCE) == PLAIN


@pytest.mark.parametrize("receive_id", ["", CORP_ID])
def test_we_decrypt_wechatpy(receive_id: str) -> None:
    import xml.etree.ElementTree as ET

    xml = WechatpyCrypto(TOKEN, AES_KEY, receive_id).encrypt_message(PLAIN, NONCE, TS)
    root = ET.fromstring(xml)
    encrypt, signature = root.findtext("Encrypt"), root.findtext("MsgSignature")
    assert encrypt
    assert signature
    assert make(receive_id).verify_and_decrypt(signature, TS, NONCE, encrypt) == PLAIN


def test_url_verification_echo_matches_wechatpy() -> None:
    driver = WeComCallbackDriver(TOKEN, AES_KEY, CORP_ID, clock=lambda: NOW)
    params, echo = driver.verify_url("1616140317555161061")
    args = (params["msg_signature"], params["timestamp"], params["nonce"], params["echostr"])
    assert WechatpyCrypto(TOKEN, AES_KEY, CORP_ID).check_signature(*args) == echo
    assert make(CORP_ID).verify_and_decrypt(*args) == echo


@settings(max_examples=60, deadline=None)
@given(plain=st.text(max_size=3000), receive_id=st.sampled_from(["", CORP_ID, "wx-测试"]))
def test_round_trip_with_wechatpy_any_text(plain: str, receive_id: str) -> None:
    ours = make(receive_id)
    encrypt, signature = ours.encrypt(plain, NONCE, TS)
    xml = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    assert WechatpyCrypto(TOKEN, AES_KEY, receive_id).decrypt_message(xml, signature, TS, NONCE) == plain
    theirs = PrpCrypto(KEY).encrypt(plain, receive_id).decode()
    assert ours.verify_and_decrypt(ours.signature(TS, NONCE, theirs), TS, NONCE, theirs) == plain


# -- refusals ---------------------------------------------------------------------------------


def test_forged_signature_refused() -> None:
    encrypt, signature = VECTORS[""]
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]
    with pytest.raises(BadSignature):
        make().verify_and_decrypt(forged, TS, NONCE, encrypt)


@pytest.mark.parametrize("bad", ["", "x" * 40, "１" * 40, signed(make(), "other")])
def test_other_bad_signatures_refused(bad: str) -> None:
    encrypt, _ = VECTORS[""]
    with pytest.raises(BadSignature):
        make().verify_and_decrypt(bad, TS, NONCE, encrypt)


def test_signature_covers_nonce_and_timestamp() -> None:
    encrypt, signature = VECTORS[""]
    with pytest.raises(BadSignature):
        make().verify_and_decrypt(signature, TS, "1372623150", encrypt)
    with pytest.raises(BadSignature):
        make(now=NOW + 1).verify_and_decrypt(signature, str(NOW + 1), NONCE, encrypt)


@pytest.mark.parametrize("offset", [301, -301, 10**6])
def test_stale_timestamp_refused(offset: int) -> None:
    encrypt, signature = VECTORS[""]
    with pytest.raises(StaleTimestamp):
        make(now=NOW + offset).verify_and_decrypt(signature, TS, NONCE, encrypt)


def test_timestamp_at_the_edge_of_the_window_accepted() -> None:
    encrypt, signature = VECTORS[""]
    assert make(now=NOW + 300).verify_and_decrypt(signature, TS, NONCE, encrypt) == PLAIN


@pytest.mark.parametrize("ts", ["abc", "-5", "1e9", "١٤٠٩٣٠٤٣٤٨", "9" * 30])
def test_non_numeric_timestamp_refused(ts: str) -> None:
    crypto = make()
    encrypt, _ = VECTORS[""]
    with pytest.raises(StaleTimestamp):
        crypto.verify_and_decrypt(crypto.signature(ts, NONCE, encrypt), ts, NONCE, encrypt)


def test_wrong_receive_id_refused() -> None:
    encrypt, signature = VECTORS[CORP_ID]
    with pytest.raises(WrongReceiveId):
        make("ww-someone-else").verify_and_decrypt(signature, TS, NONCE, encrypt)
    encrypt, signature = VECTORS[""]
    with pytest.raises(WrongReceiveId):
        make(CORP_ID).verify_and_decrypt(signature, TS, NONCE, encrypt)


@pytest.mark.parametrize(
    "encrypt",
    [
        "not base64!!",
        "QUJD",  # valid base64, 3 bytes
        VECTORS[""][0][:-8],  # truncated: 123 bytes
        VECTORS[""][0][:-1],  # truncated: no longer valid base64
        base64.b64encode(base64.b64decode(VECTORS[""][0])[:32]).decode(),  # first block only: bad padding
        base64.b64encode(base64.b64decode(VECTORS[""][0])[:48]).decode(),  # 48 bytes
        "",
        "ñ" * 8,
    ],
)
def test_bad_ciphertext_refused_even_when_signed(encrypt: str) -> None:
    crypto = make()
    with pytest.raises(BadCiphertext):
        crypto.verify_and_decrypt(signed(crypto, encrypt), TS, NONCE, encrypt)


@pytest.mark.parametrize(
    "body",
    [
        PREFIX + (4).to_bytes(4, "big") + b"abcd" + bytes([0]) * 8,  # pad byte 0
        PREFIX + (4).to_bytes(4, "big") + b"abcd" + bytes([33]) * 8,  # pad > 32
        PREFIX + (4).to_bytes(4, "big") + b"abcd" + b"\x01\x02" + bytes([8]) * 6,  # inconsistent pad
    ],
)
def test_bad_padding_refused(body: bytes) -> None:
    crypto = make()
    encrypt = raw_encrypt(body)
    with pytest.raises(BadCiphertext, match="padding"):
        crypto.verify_and_decrypt(signed(crypto, encrypt), TS, NONCE, encrypt)


def test_declared_length_beyond_plaintext_refused() -> None:
    crypto = make()
    body = PREFIX + (1000).to_bytes(4, "big") + b"abcd" + bytes([8]) * 8
    encrypt = raw_encrypt(body)
    with pytest.raises(BadCiphertext, match="length"):
        crypto.verify_and_decrypt(signed(crypto, encrypt), TS, NONCE, encrypt)


def test_non_utf8_message_refused() -> None:
    crypto = make()
    body = PREFIX + (4).to_bytes(4, "big") + b"\xff\xfe\xfd\xfc" + bytes([8]) * 8
    encrypt = raw_encrypt(body)
    with pytest.raises(BadCiphertext, match="UTF-8"):
        crypto.verify_and_decrypt(signed(crypto, encrypt), TS, NONCE, encrypt)


def test_every_refusal_is_a_wecom_crypto_error() -> None:
    for cls in (BadSignature, StaleTimestamp, BadCiphertext, WrongReceiveId):
        assert issubclass(cls, WeComCryptoError)


@settings(max_examples=300, deadline=None)
@given(encrypt=st.text(max_size=200) | st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()))
def test_any_signed_ciphertext_decrypts_or_raises_declared_error(encrypt: str) -> None:
    crypto = make()
    with contextlib.suppress(WeComCryptoError):
        crypto.verify_and_decrypt(signed(crypto, encrypt), TS, NONCE, encrypt)


@settings(max_examples=200, deadline=None)
@given(
    sig=st.text(max_size=60), ts=st.text(max_size=20), nonce=st.text(max_size=20), enc=st.text(max_size=80)
)
def test_any_query_raises_only_declared_errors(sig: str, ts: str, nonce: str, enc: str) -> None:
    with pytest.raises(WeComCryptoError):
        make().verify_and_decrypt(sig, ts, nonce, enc)


def test_lone_surrogates_are_refused_not_crashed() -> None:
    with pytest.raises(BadSignature):
        make().verify_and_decrypt("\udcff", TS, "\ud800", "x")
    crypto = make()
    with pytest.raises(BadCiphertext):
        crypto.verify_and_decrypt(signed(crypto, "\ud800"), TS, NONCE, "\ud800")


def test_bad_configuration_rejected() -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        WeComCrypto(TOKEN, AES_KEY[:-1], "")
    with pytest.raises(ValueError, match="EncodingAESKey"):
        WeComCrypto(TOKEN, AES_KEY[:-1] + "=", "")
    with pytest.raises(ValueError, match="token"):
        WeComCrypto("", AES_KEY, "")


def test_repr_hides_secrets() -> None:
    text = repr(make(CORP_ID))
    assert TOKEN not in text
    assert AES_KEY not in text


def test_encrypted_json_payload_round_trip() -> None:
    crypto = make()
    payload = json.dumps({"content": "报修：3栋2单元漏水，电话13800001111"}, ensure_ascii=False)
    encrypt, signature = crypto.encrypt(payload, NONCE, TS)
    assert json.loads(crypto.verify_and_decrypt(signature, TS, NONCE, encrypt)) == json.loads(payload)
