"""Award voting: the awards and their finalists, who may vote, and how a winner is found."""
