from workflows.engine.server import main

main()
