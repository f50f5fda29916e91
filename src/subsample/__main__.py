from subsample.cli import main

main()
