from thamdee.cli import main

main()
