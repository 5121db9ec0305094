DELETE FROM state WHERE valid_from >= valid_to
