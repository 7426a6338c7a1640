def handle():
    return "c"
