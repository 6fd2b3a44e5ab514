from chattui.cli import main

raise SystemExit(main())
