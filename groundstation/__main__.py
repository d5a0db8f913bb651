from groundstation.cli import run

run()
