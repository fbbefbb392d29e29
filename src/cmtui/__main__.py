from cmtui.cli import main

main()
