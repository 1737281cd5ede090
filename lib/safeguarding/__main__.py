from safeguarding.cli import main

raise SystemExit(main())
