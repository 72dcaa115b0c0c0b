"""Webhooks: subscriptions, an outbox fed by the event log, signed delivery with retries."""
