"""E-mail copies of on-site notices (SPEC §8), sent after the change they report has been committed,
when SMTP settings are given (CREDIT_SMTP_*). The on-site notice is the record: a mail server that is
down or refuses a message is logged and never undoes the change or its notice."""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from credit.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def send(settings: Settings, mails: list[Mail], site_name: str | None = None) -> int:
    """Send what can be sent; returns how many were accepted by the server."""
    mails = [m for m in mails if m.to]
    if not settings.smtp_host or not mails:
        return 0
    sender = settings.smtp_from or f"noreply@{settings.smtp_host}"
    sent = 0
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as server:
            if settings.smtp_starttls:
                server.starttls()
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password)
            for mail in mails:
                message = EmailMessage()
                message["From"], message["To"] = sender, mail.to
                message["Subject"] = f"【{site_name or settings.site_name}】{mail.subject}"
                message.set_content(mail.body)
                try:
                    server.send_message(message)
                    sent += 1
                except smtplib.SMTPException as exc:
                    log.warning("notice e-mail to a recipient refused: %s", exc)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("notice e-mails not sent (the on-site notices stand): %s", exc)
    return sent
