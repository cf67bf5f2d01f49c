"""The log file never holds a secret key or session token whole."""

from __future__ import annotations

import logging

from labguide.progress.logs import mask_secrets, setup_file_logging

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD" * 3


def test_mask_secrets_hides_keys_and_tokens():
    text = f"creds AccessKeyId=ASIAQWERTYUIOPASDFGH SecretAccessKey={SECRET} Token: {TOKEN}"
    masked = mask_secrets(text)
    assert SECRET not in masked and TOKEN[:40] not in masked
    assert "ASIA…ASDFGH" not in masked and "ASIA…DFGH" in masked
    assert mask_secrets(f'{{"aws_secret_access_key": "{SECRET}"}}').count("****") == 1


def test_file_log_masks_messages_and_tracebacks(tmp_path):
    path = setup_file_logging(tmp_path / "app.log")
    log = logging.getLogger("labguide.test")
    try:
        raise RuntimeError(f"boom {SECRET}")
    except RuntimeError:
        log.exception("failed with secret %s and token %s", SECRET, TOKEN)
    for handler in logging.getLogger("labguide").handlers:
        handler.flush()
    content = path.read_text()
    assert "failed with secret" in content and "RuntimeError" in content
    assert SECRET not in content and TOKEN[:40] not in content
