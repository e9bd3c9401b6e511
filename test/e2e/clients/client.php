<?php
// A small application as a new user would write it with Debian's php-cli + php-mysql, run against vt gate:
// mysqli (prepared statements, binary protocol) and PDO (native prepares). Prints one JSON object with what it
// saw; test/e2e/clients.test.ts checks it. Usage: php client.php PORT DB TABLE
[$_, $port, $db, $table] = $argv;
$out = [];
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);

$m = new mysqli('127.0.0.1', 'app', '', $db, (int)$port);
$out['version'] = $m->query('SELECT @@version')->fetch_row()[0];
$m->query("CREATE TABLE $table (id BIGINT PRIMARY KEY, name VARCHAR(64), qty INT, price DOUBLE)");
$st = $m->prepare("INSERT INTO $table (id, name, qty, price) VALUES (?, ?, ?, ?)");
foreach ([[1, 'alpha', 10, 1.5], [2, "o'brien", null, 2.25]] as [$id, $name, $qty, $price]) {
    $st->bind_param('isid', $id, $name, $qty, $price);
    $st->execute();
}
$st->close();
$sel = $m->prepare("SELECT id, name, qty, price FROM $table WHERE id >= ? ORDER BY id");
$from = 1;
$sel->bind_param('i', $from);
$sel->execute();
$res = $sel->get_result();
$out['mysqliRows'] = $res->fetch_all(MYSQLI_NUM);
$sel->close();
try {
    $m->query("INSERT INTO $table (id) VALUES (1)");
} catch (mysqli_sql_exception $e) {
    $out['mysqliDuplicate'] = [$e->getCode(), $e->getSqlState()];
}
$m->close();

$pdo = new PDO("mysql:host=127.0.0.1;port=$port;dbname=$db", 'app', '', [
    PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
    PDO::ATTR_EMULATE_PREPARES => false,
]);
$pdo->beginTransaction();
$ins = $pdo->prepare("INSERT INTO $table (id, name, qty, price) VALUES (:id, :name, :qty, :price)");
$ins->execute([':id' => 3, ':name' => 'pdo', ':qty' => 7, ':price' => 0.5]);
$pdo->commit();
$pdo->beginTransaction();
$pdo->prepare("DELETE FROM $table WHERE id = ?")->execute([3]);
$pdo->rollBack();
$q = $pdo->prepare("SELECT name, qty FROM $table WHERE id = ?");
$q->execute([3]);
$out['pdoRow'] = $q->fetch(PDO::FETCH_NUM);
try {
    $pdo->query('SELECT * FROM no_such_table_here');
} catch (PDOException $e) {
    $out['pdoMissingTable'] = [$e->errorInfo[1], $e->errorInfo[0]];
}
echo json_encode($out), "\n";
