"""HTTP clients, one module per platform; they write raw payloads and know no Beancount."""
