"""The command line: mirrors ``aws accessanalyzer`` verbs, plus readable and SARIF output."""
