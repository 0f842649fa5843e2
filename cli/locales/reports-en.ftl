# kamkor CLI messages for reports, printing and retention: English.

## Errors
out-required = This format needs a file: give it with --out FILE.
unknown-table = The report has no table "{ $id }"; its tables: { $known }.
unknown-column = The table has no column "{ $id }"; its columns: { $known }.
not-by-territory = The table "{ $id }" is not by territory and cannot be mapped; choose another with --chart.
render-failed = The output could not be rendered: { $detail }
csv-output = The CSV output cannot be written: { $detail }
archive-damaged = The file is not a readable archive package: { $detail }
archive-format = The archive package has format { $found }, which this version cannot read.
legal-hold = The child is under a legal hold: the record is not archived.

## Reports and the data set
report-written = { $title }: written to { $path } ({ $bytes } bytes).
report-due-today = due today
report-due-left = days left: { $days }
report-due-overdue = overdue, days: { $days }
dataset-written = The depersonalized data set is written to { $path }.
dataset-counts = Rows: { $rows }; coarsened to oblast and ten years: { $coarsened }; withheld: { $withheld } (groups smaller than { $threshold }).

## Printed documents
card-written = The card of child { $id } is written to { $path } ({ $bytes } bytes).
certificate-written = The certificate for child { $id } is written to { $path }.
certificate-json-written = Its canonical JSON (what is signed) is written to { $path }.

## Retention and archive
retention-plan = Retention as of { $date }: at the age of { $age }, action "{ $action }". Due: { $due }; held: { $held }.
retention-nothing = Nobody is due (held: { $held }); no archive package was written.
retention-erased = Archived and erased: children { $children }, cases { $cases }, families { $families }; held: { $held }.
archive-written = The archive package is written to { $path } ({ $bytes } bytes); keep it with the master key.
keyring-rotated = Keys rotated (generation { $generation }): erased data cannot be recovered from old copies.
hold-set = A legal hold is set on child { $id }: the record will not be erased.
hold-released = The legal hold on child { $id } is lifted.
archive-requests-none = No archive requests.
archive-outcome-archived = archived
archive-outcome-refused = refused ({ $reason })
archive-reason-request = on request
archive-reason-retention = retention
archive-summary = Archive package of registry { $origin }, written { $at } ({ $reason }): children { $children }.
archive-summary-request = Request: { $document }, from { $by }; reason: { $reason }.
territory-loaded = Classifier { $path } loaded, effective { $date }: added { $added }, unchanged { $unchanged }, closed { $closed }; { $total } territories now.
col-child = Child
col-document = Document
col-requested-by = Requested by
col-user = User
col-reaches-age = Reaches the age
col-hold = Legal hold
col-cases = Cases
col-facts = Facts
col-family = Family
