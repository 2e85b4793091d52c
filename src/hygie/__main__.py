from hygie.cli import main

raise SystemExit(main())
