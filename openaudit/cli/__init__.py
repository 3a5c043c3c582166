"""Command-line interface: thin typer commands (parse -> call api -> render -> exit code)."""
