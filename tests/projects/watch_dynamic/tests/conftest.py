pytest_plugins = ["app.fixtures"]
