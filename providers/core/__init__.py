"""Cloud-free logic the cloud packages share: no SDK, no cloud words, neutral values only."""
