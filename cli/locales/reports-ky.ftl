# kamkor билдирүүлөрү: отчеттор, басып чыгаруу жана сактоо мөөнөттөрү, кыргызча.

## Каталар
out-required = Бул формат үчүн файл керек: аны --out ФАЙЛ менен көрсөтүңүз.
unknown-table = Отчетто «{ $id }» таблицасы жок; анын таблицалары: { $known }.
unknown-column = Таблицада «{ $id }» тилкеси жок; анын тилкелери: { $known }.
not-by-territory = «{ $id }» таблицасы аймактар боюнча эмес, аны картада көрсөтүүгө болбойт; --chart менен башкасын тандаңыз.
render-failed = Чыгарууну түзүү мүмкүн болгон жок: { $detail }
csv-output = CSV жазылган жок: { $detail }
archive-damaged = Файл окула турган архив пакети эмес: { $detail }
archive-format = Архив пакетинин форматы { $found }, бул версия аны окуй албайт.
legal-hold = Балага өчүрүүгө тыюу салынган: жазуу архивге өткөрүлгөн жок.

## Отчеттор жана маалымат топтому
report-written = { $title }: { $path } файлына жазылды ({ $bytes } байт).
report-due-today = мөөнөтү бүгүн
report-due-left = калган күндөр: { $days }
report-due-overdue = мөөнөтү өттү, күндөр: { $days }
dataset-written = Жекелиги жок маалымат топтому { $path } файлына жазылды.
dataset-counts = Саптар: { $rows }; облуска жана он жылга чейин ирилештирилди: { $coarsened }; берилген жок: { $withheld } ({ $threshold } азыраак топтор).

## Басылма документтер
card-written = { $id } баласынын карточкасы { $path } файлына жазылды ({ $bytes } байт).
certificate-written = { $id } баласы жөнүндө маалымкат { $path } файлына жазылды.
certificate-json-written = Анын канондук JSON (кол коюлуучу бөлүгү) { $path } файлына жазылды.

## Сактоо мөөнөттөрү жана архив
retention-plan = { $date } карата сактоо мөөнөттөрү: { $age } жашка толгондо, аракет «{ $action }». Өткөрүлө турган: { $due }; өчүрүүгө тыюу салынган: { $held }.
retention-nothing = Архивге өткөрүлө турган эч ким жок (өчүрүүгө тыюу салынган: { $held }); архив пакети жазылган жок.
retention-erased = Архивге өткөрүлүп өчүрүлдү: балдар { $children }, иштер { $cases }, үй-бүлөлөр { $families }; өчүрүүгө тыюу салынган: { $held }.
archive-written = Архив пакети { $path } файлына жазылды ({ $bytes } байт); аны башкы ачкыч менен бирге сактаңыз.
keyring-rotated = Ачкычтар алмаштырылды (муун { $generation }): өчүрүлгөн маалыматтарды эски көчүрмөлөрдөн калыбына келтирүүгө болбойт.
hold-set = { $id } баласынын жазуусуна өчүрүүгө тыюу салынды: ал өчүрүлбөйт.
hold-released = { $id } баласынын жазуусун өчүрүүгө тыюу алынды.
archive-requests-none = Архивге өткөрүү боюнча суроо-талаптар жок.
archive-outcome-archived = архивге өткөрүлдү
archive-outcome-refused = баш тартылды ({ $reason })
archive-reason-request = суроо-талап боюнча
archive-reason-retention = сактоо мөөнөтү боюнча
archive-summary = { $origin } реестринин архив пакети, { $at } жазылган ({ $reason }): балдар { $children }.
archive-summary-request = Суроо-талап: { $document }, жиберген { $by }; негизи: { $reason }.
territory-loaded = { $path } классификатору жүктөлдү, { $date } баштап колдонулат: кошулду { $added }, өзгөрүүсүз { $unchanged }, жабылды { $closed }; эми аймактар { $total }.
col-child = Бала
col-document = Документ
col-requested-by = Ким сураган
col-user = Колдонуучу
col-reaches-age = Жашка толот
col-hold = Өчүрүүгө тыюу
col-cases = Иштер
col-facts = Фактылар
col-family = Үй-бүлө
