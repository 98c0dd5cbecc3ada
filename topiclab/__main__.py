"""`python -m topiclab` runs the command line."""

from topiclab.cli import main

main()
