from pickbay.cli import main

main()
