from leonet.cli import main

main()
