# Сообщения kamkor об отчётах, печати и сроках хранения: русский.

## Ошибки
out-required = Для этого формата нужен файл: укажите его в --out ФАЙЛ.
unknown-table = В отчёте нет таблицы «{ $id }»; его таблицы: { $known }.
unknown-column = В таблице нет столбца «{ $id }»; её столбцы: { $known }.
not-by-territory = Таблица «{ $id }» не по территориям, её нельзя показать на карте; выберите другую в --chart.
render-failed = Не удалось сформировать вывод: { $detail }
csv-output = Не удалось записать CSV: { $detail }
archive-damaged = Файл не является читаемым архивным пакетом: { $detail }
archive-format = Архивный пакет имеет формат { $found }, который эта версия не читает.
legal-hold = На ребёнка наложен запрет на удаление: запись не передана в архив.

## Отчёты и набор данных
report-written = { $title }: записан в { $path } ({ $bytes } байт).
report-due-today = срок сегодня
report-due-left = осталось дней: { $days }
report-due-overdue = просрочено, дней: { $days }
dataset-written = Обезличенный набор данных записан в { $path }.
dataset-counts = Строк: { $rows }; укрупнено до области и десяти лет: { $coarsened }; не выдано: { $withheld } (группы меньше { $threshold }).

## Печатные документы
card-written = Карточка ребёнка { $id } записана в { $path } ({ $bytes } байт).
certificate-written = Справка о ребёнке { $id } записана в { $path }.
certificate-json-written = Её канонический JSON (то, что подписывается) записан в { $path }.

## Сроки хранения и архив
retention-plan = Сроки хранения на { $date }: по достижении { $age } лет, действие «{ $action }». К передаче: { $due }; под запретом удаления: { $held }.
retention-nothing = Передавать в архив некого (под запретом удаления: { $held }); архивный пакет не записан.
retention-erased = Передано в архив и удалено: детей { $children }, дел { $cases }, семей { $families }; под запретом удаления: { $held }.
archive-written = Архивный пакет записан в { $path } ({ $bytes } байт); храните его вместе с главным ключом.
keyring-rotated = Ключи заменены (поколение { $generation }): удалённые данные нельзя восстановить из старых копий.
hold-set = На запись ребёнка { $id } наложен запрет на удаление: она не будет удалена.
hold-released = Запрет на удаление записи ребёнка { $id } снят.
archive-requests-none = Запросов на передачу в архив нет.
archive-outcome-archived = передано в архив
archive-outcome-refused = отказано ({ $reason })
archive-reason-request = по запросу
archive-reason-retention = по сроку хранения
archive-summary = Архивный пакет реестра { $origin }, записан { $at } ({ $reason }): детей { $children }.
archive-summary-request = Запрос: { $document }, от { $by }; основание: { $reason }.
territory-loaded = Классификатор { $path } загружен, действует с { $date }: добавлено { $added }, без изменений { $unchanged }, закрыто { $closed }; теперь территорий { $total }.
col-child = Ребёнок
col-document = Документ
col-requested-by = Кто запросил
col-user = Пользователь
col-reaches-age = Достигает возраста
col-hold = Запрет на удаление
col-cases = Дела
col-facts = Факты
col-family = Семья
