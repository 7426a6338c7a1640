def handle():
    return "a"
