from openaudit.cli.main import run

run()
