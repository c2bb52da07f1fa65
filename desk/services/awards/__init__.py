"""Award voting: importing awards, opening and closing votes, casting ballots, counting."""
