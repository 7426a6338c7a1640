def handle():
    return "d"
