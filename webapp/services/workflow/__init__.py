"""The workflow core: running programs (process instances) and the steps people take in them.

``steps`` opens, advances and saves a program's engine state; ``completion`` takes a step;
``programs`` starts and reads programs; ``inbox`` and ``task_page`` are what a coordinator sees;
``jobs`` runs background work; ``duties`` who may take a step; ``incidents`` failed steps;
``comments``, ``attachments``, ``workload``, ``notifications``; ``administration`` suspends,
resumes, terminates and retries; ``version_moves`` moves programs to a new diagram version;
``hooks`` is where areas (the registry, and the areas to come) plug in. The core never imports an
area: areas register their hooks at ``create_app``.
"""
