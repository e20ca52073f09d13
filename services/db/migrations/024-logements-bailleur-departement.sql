-- An RPLS snapshot marks `sorti` the logements of the file's bailleurs that it does not list, in the
-- sender's départements only (parc-merge.ts). With the index on the bailleur alone, a regional
-- client naming a national bailleur read every logement of that bailleur in France (hundreds of
-- thousands) to keep those of its few départements. The département is now the index's second
-- column: the snapshot reads the bailleur's logements of each of its départements, one range each.
-- The index keeps its name: the merge drops and builds again the indexes of an empty parc by name.
DROP INDEX logements_bailleur;
CREATE INDEX logements_bailleur ON logements (siren_bailleur, departement) WHERE statut = 'en-parc';
