def handle():
    return "b"
