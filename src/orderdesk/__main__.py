from orderdesk.cli import main

main()
