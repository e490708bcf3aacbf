-- What makes two funding channels the same, whichever source named them ("platform:account" in
-- lower case, else "platform:normalised URL"), written by the funding collector so that readers
-- count distinct channels in SQL with the collector's own rule.
ALTER TABLE funding_channels ADD COLUMN identity VARCHAR;
