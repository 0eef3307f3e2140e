"""The platform's kernel: what infrastructure knows without knowing any domain."""
