#!/usr/bin/env python3
"""The WeChat side of Jiesu's WeChat adapter tests, built on PyPI wechatpy.

Rust integration tests run this file as a subprocess. It plays the WeChat
Official Account platform: it signs URL checks, builds plain and safe-mode
(AES) message pushes, and decrypts and verifies our server's encrypted
passive replies. All signing and encryption is done by wechatpy itself
(wechatpy.utils.WeChatSigner, wechatpy.crypto.WeChatCrypto), so the Rust
adapter is checked against an independent implementation, not against code
written alongside it.

Each subcommand prints one JSON object on stdout (the `message --raw` option
prints bare XML instead). Errors go to stderr with a non-zero exit status:
    2  bad command line (argparse)
    3  bad input (unreadable file, malformed XML, missing element, bad key)
    4  signature mismatch (MsgSignature does not verify)
    5  AppId mismatch (the AppId trailing the decrypted plaintext is not ours)
    6  decryption failed (bad base64, bad block length, garbled plaintext)

Subcommands (see `peer.py SUBCOMMAND --help`):
    verify-url      signature for GET /wechat URL verification
    plain-push      a plain-mode POST push (signature in the query)
    encrypted-push  a safe-mode POST push (encrypt_type=aes, msg_signature)
    decrypt-reply   verify and decrypt our server's encrypted passive reply
                    (--strict: also require PKCS#7 padding to 32-byte blocks,
                    which wechatpy itself does not check)
    message         build a push message XML (text, image, voice, location, event)
    gcj2wgs         GCJ-02 points (a JSON list of [lat, lng] on stdin) to WGS84, by
                    PyPI eviltransform's gcj2wgs_exact, to check our conversion of
                    WeChat's location messages against an independent implementation

Requirements: see requirements.txt beside this file (wechatpy + cryptography).
"""

import argparse
import base64
import json
import random
import sys
import time

try:
    import xmltodict
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.crypto.base import WeChatCipher
    from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
    from wechatpy.parser import parse_message
    from wechatpy.replies import deserialize_reply
    from wechatpy.utils import WeChatSigner, check_signature
except ImportError as exc:  # pragma: no cover - environment problem
    sys.stderr.write(
        "peer.py: cannot import wechatpy (%s); install tests/wechat/requirements.txt\n" % exc
    )
    sys.exit(3)


class PeerError(Exception):
    """A failure reported to the caller as a message on stderr and an exit status."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


EXIT_INPUT, EXIT_SIGNATURE, EXIT_APPID, EXIT_DECRYPT = 3, 4, 5, 6


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def read_text(path):
    """Read a UTF-8 file unchanged ('-' means stdin)."""
    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PeerError(EXIT_INPUT, "cannot read %s: %s" % (path, exc))


def parse_xml(text, what):
    """Parse a WeChat <xml> document into a dict of its children (xmltodict)."""
    try:
        doc = xmltodict.parse(text)
    except Exception as exc:  # expat errors
        raise PeerError(EXIT_INPUT, "%s is not well-formed XML: %s" % (what, exc))
    if not isinstance(doc, dict) or "xml" not in doc:
        raise PeerError(EXIT_INPUT, "%s has no <xml> root element" % what)
    return doc["xml"] or {}


def query_signature(token, timestamp, nonce):
    """WeChat's query `signature`: sha1 of the sorted [token, timestamp, nonce].

    Computed by wechatpy's WeChatSigner, then checked again with
    wechatpy.utils.check_signature (what a wechatpy server would run).
    """
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    signature = signer.signature
    check_signature(token, signature, timestamp, nonce)  # raises if inconsistent
    return signature


def make_crypto(token, aes_key, appid):
    """wechatpy's WeChatCrypto; it derives the AES key as b64decode(aes_key + '=')."""
    if len(aes_key) != 43:
        raise PeerError(EXIT_INPUT, "EncodingAESKey must be 43 characters, got %d" % len(aes_key))
    try:
        return WeChatCrypto(token, aes_key, appid)
    except (AssertionError, ValueError) as exc:
        raise PeerError(EXIT_INPUT, "bad EncodingAESKey: %r" % (exc,))


def default_timestamp():
    return str(int(time.time()))


def default_nonce():
    # WeChat's nonces are decimal digit strings, e.g. "1320562132".
    return str(random.randint(10**8, 10**10 - 1))


def write_out(text):
    """Write UTF-8 to stdout whatever the locale (the caller parses bytes)."""
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def emit(obj):
    write_out(json.dumps(obj, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------
# Subcommands
# --------------------------------------------------------------------------

def cmd_verify_url(args):
    """GET /wechat?signature=..&timestamp=..&nonce=..&echostr=..

    The echostr is NOT part of the signature (Official Accounts sign only
    token, timestamp and nonce; the server must echo echostr verbatim).
    """
    signature = query_signature(args.token, args.timestamp, args.nonce)
    emit({
        "signature": signature,
        "timestamp": args.timestamp,
        "nonce": args.nonce,
        "echostr": args.echostr,
        "query": {
            "signature": signature,
            "timestamp": args.timestamp,
            "nonce": args.nonce,
            "echostr": args.echostr,
        },
    })


def cmd_plain_push(args):
    """POST /wechat?signature=..&timestamp=..&nonce=..&openid=.. with the XML as body."""
    body = read_text(args.xml_file)
    message = parse_xml(body, "the message")
    signature = query_signature(args.token, args.timestamp, args.nonce)
    query = {"signature": signature, "timestamp": args.timestamp, "nonce": args.nonce}
    if message.get("FromUserName"):
        query["openid"] = message["FromUserName"]  # WeChat adds the sender's OpenID
    emit({
        "signature": signature,
        "timestamp": args.timestamp,
        "nonce": args.nonce,
        "body": body,
        "query": query,
    })


def cmd_encrypted_push(args):
    """POST /wechat?signature=..&timestamp=..&nonce=..&openid=..&encrypt_type=aes&msg_signature=..

    Body: <xml><ToUserName>gh_..</ToUserName><Encrypt>base64</Encrypt></xml>.

    wechatpy has no "build a push" function (it is the server side), but
    WeChatCrypto.encrypt_message() does exactly the crypto a push needs: it
    encrypts the XML with PrpCrypto and signs the ciphertext with
    sha1(sorted [token, timestamp, nonce, Encrypt]). Its output is the
    reply-shaped envelope; we take its <Encrypt> and <MsgSignature> as they
    are and re-wrap the ciphertext in the push-shaped envelope.
    """
    body = read_text(args.xml_file)
    message = parse_xml(body, "the message")
    crypto = make_crypto(args.token, args.aes_key, args.appid)

    reply_envelope = crypto.encrypt_message(body, args.nonce, args.timestamp)
    fields = parse_xml(reply_envelope, "wechatpy's envelope")
    encrypt, msg_signature = fields["Encrypt"], fields["MsgSignature"]

    to_user = args.to if args.to is not None else (message.get("ToUserName") or "")
    push_body = (
        "<xml>\n"
        "<ToUserName><![CDATA[%s]]></ToUserName>\n"
        "<Encrypt><![CDATA[%s]]></Encrypt>\n"
        "</xml>" % (to_user, encrypt)
    )

    # Self-check: wechatpy itself accepts the push we built.
    if crypto.decrypt_message(push_body, msg_signature, args.timestamp, args.nonce) != body:
        raise PeerError(EXIT_DECRYPT, "wechatpy does not decrypt its own push back to the input")

    signature = query_signature(args.token, args.timestamp, args.nonce)
    query = {"signature": signature, "timestamp": args.timestamp, "nonce": args.nonce}
    if message.get("FromUserName"):
        query["openid"] = message["FromUserName"]
    query["encrypt_type"] = "aes"
    query["msg_signature"] = msg_signature
    emit({
        "msg_signature": msg_signature,
        "signature": signature,
        "timestamp": args.timestamp,
        "nonce": args.nonce,
        "encrypt": encrypt,
        "body": push_body,
        "query": query,
    })


def cmd_decrypt_reply(args):
    """Verify and decrypt <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>.

    WeChatCrypto.decrypt_message() checks MsgSignature against
    sha1(sorted [token, TimeStamp, Nonce, Encrypt]), decrypts, and checks that
    the AppId trailing the plaintext equals ours.
    """
    text = read_text(args.xml_file)
    envelope = parse_xml(text, "the reply")
    missing = [n for n in ("Encrypt", "MsgSignature", "TimeStamp", "Nonce") if not envelope.get(n)]
    if missing:
        raise PeerError(EXIT_INPUT, "the reply envelope lacks %s" % ", ".join(missing))

    crypto = make_crypto(args.token, args.aes_key, args.appid)
    try:
        xml = crypto.decrypt_message(
            text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
        )
    except InvalidSignatureException:
        raise PeerError(EXIT_SIGNATURE, "MsgSignature does not verify (wechatpy InvalidSignatureException)")
    except InvalidAppIdException:
        raise PeerError(EXIT_APPID, "the AppId in the decrypted reply is not %r (wechatpy InvalidAppIdException)" % args.appid)
    except Exception as exc:  # bad base64, length not a multiple of 16, garbled layout, bad UTF-8
        raise PeerError(EXIT_DECRYPT, "cannot decrypt the reply: %s: %s" % (type(exc).__name__, exc))

    padding = padding_report(crypto.key, envelope["Encrypt"])
    if args.strict and not padding["pkcs7_32"]:
        raise PeerError(EXIT_DECRYPT, "padding is not PKCS#7 over 32-byte blocks: %r" % (padding,))

    fields = parse_xml(xml, "the decrypted reply")
    try:  # which wechatpy reply class the plaintext deserializes to (TextReply, ...)
        reply_class = type(deserialize_reply(xml)).__name__
    except ValueError:
        reply_class = None
    emit({
        "xml": xml,
        "fields": fields,
        "wechatpy_reply": reply_class,
        "envelope": {k: envelope[k] for k in ("MsgSignature", "TimeStamp", "Nonce")},
        "padding": padding,
    })


def padding_report(key, encrypt):
    """Describe the padding of a ciphertext that wechatpy has already accepted.

    wechatpy (like WeChat's own samples) strips as many bytes as the last byte
    says without checking them, so a server padding to 16-byte blocks would
    still pass. This re-decrypts with wechatpy's cipher (AES-256-CBC,
    IV = key[:16]) and reports whether the padding is PKCS#7 over 32-byte
    blocks: 1..32 bytes, each equal to the count, total a multiple of 32.
    """
    plain = WeChatCipher(key).decrypt(base64.b64decode(encrypt))
    pad = plain[-1]
    ok = (
        len(plain) % 32 == 0
        and 1 <= pad <= 32
        and plain.endswith(bytes([pad]) * pad)
        and pad == 32 - (len(plain) - pad) % 32
    )
    return {"value": pad, "plaintext_len": len(plain), "pkcs7_32": ok}


def cdata(value):
    """Wrap a string in CDATA, splitting any ']]>' so the XML stays well-formed."""
    return "<![CDATA[%s]]>" % str(value).replace("]]>", "]]]]><![CDATA[>")


def cmd_gcj2wgs(args):
    import eviltransform

    try:
        points = json.load(sys.stdin)
    except ValueError as exc:
        raise PeerError(3, "stdin is not JSON: %s" % exc)
    out = [list(eviltransform.gcj2wgs_exact(lat, lng)) for lat, lng in points]
    print(json.dumps({"points": out}))


def cmd_message(args):
    """Build a push message XML the way WeChat sends it (strings in CDATA)."""
    now = int(time.time())
    create_time = args.create_time if args.create_time is not None else now
    msg_id = args.msg_id if args.msg_id is not None else random.randint(10**18, 2**63 - 1)

    # (element, value, as_cdata) in WeChat's documented order.
    nodes = [
        ("ToUserName", args.to, True),
        ("FromUserName", args.sender, True),
        ("CreateTime", create_time, False),
        ("MsgType", args.type, True),
    ]

    def need(*names):
        for name in names:
            if getattr(args, name) is None:
                raise PeerError(EXIT_INPUT, "--type %s needs --%s" % (args.type, name.replace("_", "-")))

    if args.type == "text":
        need("content")
        nodes.append(("Content", args.content, True))
    elif args.type == "image":
        need("pic_url", "media_id")
        nodes += [("PicUrl", args.pic_url, True), ("MediaId", args.media_id, True)]
    elif args.type == "voice":
        need("media_id")
        nodes += [("MediaId", args.media_id, True), ("Format", args.format, True)]
        if args.recognition is not None:  # only present when speech recognition is on
            nodes.append(("Recognition", args.recognition, True))
    elif args.type == "location":
        need("lat", "lng")
        nodes += [
            ("Location_X", args.lat, False),  # latitude, GCJ-02
            ("Location_Y", args.lng, False),  # longitude, GCJ-02
            ("Scale", args.scale, False),
            ("Label", args.label, True),
        ]
    elif args.type == "event":
        nodes.append(("Event", args.event, True))
        if args.event in ("CLICK", "VIEW", "SCAN"):
            need("event_key")
            nodes.append(("EventKey", args.event_key, True))
        elif args.event == "subscribe" and args.event_key is not None:
            nodes.append(("EventKey", args.event_key, True))  # qrscene_... when via QR code
        elif args.event == "LOCATION":
            need("lat", "lng")
            nodes += [
                ("Latitude", args.lat, False),
                ("Longitude", args.lng, False),
                ("Precision", args.precision, False),
            ]
    if args.type != "event":  # events carry no MsgId
        nodes.append(("MsgId", msg_id, False))

    lines = ["<xml>"]
    for name, value, as_cdata in nodes:
        lines.append("<%s>%s</%s>" % (name, cdata(value) if as_cdata else value, name))
    lines.append("</xml>")
    xml = "\n".join(lines)

    # Cross-check: wechatpy's own parser must recognise the message type.
    parsed = parse_message(xml)
    if type(parsed).__name__ == "UnknownMessage":
        raise PeerError(EXIT_INPUT, "wechatpy does not recognise the built message")

    if args.raw:
        write_out(xml + "\n")
    else:
        emit({"xml": xml, "fields": parse_xml(xml, "the message"),
              "wechatpy_type": type(parsed).__name__})


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p, crypto=False, timing=True):
        p.add_argument("--token", required=True, help="the Token set in the WeChat console")
        if crypto:
            p.add_argument("--aes-key", required=True, help="EncodingAESKey (43 characters)")
            p.add_argument("--appid", required=True, help="the account's AppId (wx...)")
        if timing:
            p.add_argument("--timestamp", default=None, help="unix seconds (default: now)")
            p.add_argument("--nonce", default=None, help="nonce (default: random digits)")

    p = sub.add_parser("verify-url", help="signature for GET URL verification")
    common(p)
    p.add_argument("--echostr", required=True)
    p.set_defaults(func=cmd_verify_url)

    p = sub.add_parser("plain-push", help="a plain-mode POST push")
    common(p)
    p.add_argument("--xml-file", required=True, help="the message XML ('-' for stdin)")
    p.set_defaults(func=cmd_plain_push)

    p = sub.add_parser("encrypted-push", help="a safe-mode (AES) POST push")
    common(p, crypto=True)
    p.add_argument("--xml-file", required=True, help="the message XML ('-' for stdin)")
    p.add_argument("--to", default=None, help="envelope ToUserName (default: the message's)")
    p.set_defaults(func=cmd_encrypted_push)

    p = sub.add_parser("decrypt-reply", help="verify and decrypt our encrypted passive reply")
    common(p, crypto=True, timing=False)
    p.add_argument("--xml-file", required=True, help="the reply envelope ('-' for stdin)")
    p.add_argument("--strict", action="store_true",
                   help="also fail (exit 6) unless the padding is PKCS#7 over 32-byte blocks")
    p.set_defaults(func=cmd_decrypt_reply)

    p = sub.add_parser("message", help="build a push message XML")
    p.add_argument("--type", required=True, choices=["text", "image", "voice", "location", "event"])
    p.add_argument("--to", default="gh_0123456789ab", help="ToUserName: the account's gh_ id")
    p.add_argument("--from", dest="sender", default="oTESTOPENID0000000000000000", help="FromUserName: the sender's OpenID")
    p.add_argument("--create-time", type=int, default=None, help="CreateTime (default: now)")
    p.add_argument("--msg-id", type=int, default=None, help="MsgId (default: random 64-bit)")
    p.add_argument("--content", help="text: Content")
    p.add_argument("--pic-url", help="image: PicUrl")
    p.add_argument("--media-id", help="image/voice: MediaId")
    p.add_argument("--format", default="amr", help="voice: Format (default amr)")
    p.add_argument("--recognition", help="voice: Recognition (speech-to-text result)")
    p.add_argument("--lat", help="location: Location_X; LOCATION event: Latitude")
    p.add_argument("--lng", help="location: Location_Y; LOCATION event: Longitude")
    p.add_argument("--scale", default="15", help="location: Scale (default 15)")
    p.add_argument("--label", default="", help="location: Label (address text)")
    p.add_argument("--precision", default="65.000000", help="LOCATION event: Precision")
    p.add_argument("--event", default="CLICK",
                   choices=["CLICK", "VIEW", "SCAN", "subscribe", "unsubscribe", "LOCATION"],
                   help="event: Event (default CLICK)")
    p.add_argument("--event-key", help="event: EventKey (menu key, URL, or qrscene_...)")
    p.add_argument("--raw", action="store_true", help="print the bare XML instead of JSON")
    p.set_defaults(func=cmd_message)

    p = sub.add_parser("gcj2wgs", help="GCJ-02 points on stdin to WGS84 (eviltransform)")
    p.set_defaults(func=cmd_gcj2wgs)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if getattr(args, "timestamp", "unset") is None:
        args.timestamp = default_timestamp()
    if getattr(args, "nonce", "unset") is None:
        args.nonce = default_nonce()
    try:
        args.func(args)
    except PeerError as exc:
        sys.stderr.write("peer.py %s: %s\n" % (args.command, exc))
        return exc.status
    return 0


if __name__ == "__main__":
    sys.exit(main())
