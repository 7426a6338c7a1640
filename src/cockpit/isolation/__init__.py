"""Is a failure real, order-dependent or flaky: verdicts, bisection, the isolated rerunner,
workaround checks and flakiness in a test's history."""
