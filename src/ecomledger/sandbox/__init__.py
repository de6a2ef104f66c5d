"""A sandbox shop server on 127.0.0.1 speaking each platform's dialect."""
