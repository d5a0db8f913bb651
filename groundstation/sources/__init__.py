"""Where bytes come from: serial ports and pyserial URLs, files and stdin.

Reconnecting with backoff lives here and nowhere else.
"""
