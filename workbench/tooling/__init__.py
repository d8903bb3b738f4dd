"""What a shell runs: the ``workbench`` command and the tools behind it.

The runtime (``workbench``, what a kernel imports) never imports this
package; this package may import the runtime. One module per concept: each
command's module defines its ``add_command`` (its arguments) beside the work
it does, and ``cli`` assembles them. Optional packages (the ``lab``, ``docs``
and ``test`` extras) are imported only inside the functions that need them,
so a bare ``pip install -e .`` answers every command with a sentence.
"""
