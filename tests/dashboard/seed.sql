-- The dashboard test's data: four months of a county's consultations (March–June 2025), with
-- one before and one after, written as the rows farmline itself would have stored.
--
-- tests/dashboard/run.sh registers the people with `farmline expert add` (which also creates
-- the schema), then runs this file with sqlite3. Times are written in Asia/Shanghai (UTC+8, no
-- summer time) and stored as UTC milliseconds, as store/ does. Every figure the test expects
-- (tests/dashboard/test.mjs, EXPECTED) was worked out by hand from the table below.
--
-- People (registered by run.sh):
--   王建国 poultry · 李秀英 livestock · 张伟 vegetable,fruit_tea · 刘芳 aqua,livestock
--   孙丽 grain (no questions in the period) · 陈静 triage staff · 周明 information commissioner

PRAGMA foreign_keys = ON;
BEGIN;

-- Registered 2025-01-05, before every figure's period.
UPDATE experts SET created_at = (strftime('%s', '2025-01-05 09:00', '-8 hours') * 1000);

-- Farmers: phone, township (NULL: never registered one), first seen.
CREATE TEMP TABLE seed_farmer(n INTEGER PRIMARY KEY, phone TEXT, township TEXT, since TEXT);
INSERT INTO seed_farmer VALUES
	(1, '+8613800000001', '舜山镇', '2025-01-10 10:00'),
	(2, '+8613800000002', '舜山镇', '2025-03-08 13:59'),
	(3, '+8613800000003', '六郎镇', '2025-03-15 09:59'),
	(4, '+8613800000004', '六郎镇', '2025-04-02 08:59'),
	(5, '+8613800000005', '清溪镇', '2025-04-12 14:59'),
	(6, '+8613800000006', NULL,     '2025-03-27 15:59'),
	(7, '+8613800000007', '清溪镇', '2025-06-28 19:59');

INSERT INTO farmers (id, phone, township, created_at)
SELECT n, phone, township, strftime('%s', since, '-8 hours') * 1000 FROM seed_farmer;

-- Consultations: ticket, farmer, asked at (local), category, channel, the expert who had it,
-- seconds to the first answer (NULL: still open), rating (NULL: none), and for #7 the expert
-- it was passed (转) to after `passed_after` seconds, who then answered.
CREATE TEMP TABLE seed(id INTEGER PRIMARY KEY, farmer INTEGER, at TEXT, category TEXT,
    channel TEXT, expert TEXT, answer_after INTEGER, rating INTEGER, passed_to TEXT,
    passed_after INTEGER, question TEXT);
INSERT INTO seed VALUES
	-- before the period
	(21, 1, '2025-02-20 10:00', 'poultry',   'sms',  '王建国', 3600,   5,    NULL, NULL, '小鸡不吃食怎么办'),
	-- March: 5 asked, 4 answered
	( 1, 1, '2025-03-03 09:00', 'poultry',   'sms',  '王建国', 1800,   5,    NULL, NULL, '鹅苗死亡很多怎么办'),
	( 2, 2, '2025-03-08 14:00', 'livestock', 'sms',  '李秀英', 21600,  4,    NULL, NULL, '母猪产后不吃食'),
	( 3, 3, '2025-03-15 10:00', 'vegetable', 'sms',  '张伟',   93600,  3,    NULL, NULL, '大棚黄瓜叶子发黄'),
	( 4, 1, '2025-03-20 08:30', 'poultry',   'ussd', '王建国', 5400,   5,    NULL, NULL, '鸡拉稀怎么办'),
	( 5, 6, '2025-03-27 16:00', 'fruit_tea', 'commissioner', '张伟', NULL, NULL, NULL, NULL, '茶树修剪什么时候好'),
	-- April: 6 asked, 5 answered
	( 6, 4, '2025-04-02 09:00', 'poultry',   'sms',  '王建国', 2700,   4,    NULL, NULL, '鸭子腿软站不起来'),
	( 7, 2, '2025-04-05 11:00', 'livestock', 'sms',  '李秀英', 18000,  2,    '刘芳', 7200, '牛拉肚子吃什么药'),
	( 8, 5, '2025-04-12 15:00', 'aqua',      'sms',  '刘芳',   10800,  NULL, NULL, NULL, '鱼塘浮头怎么办'),
	( 9, 3, '2025-04-18 10:00', 'vegetable', 'sms',  '张伟',   NULL,   NULL, NULL, NULL, '辣椒苗猝倒'),
	(10, 4, '2025-04-22 09:30', 'livestock', 'ussd', '李秀英', 36000,  3,    NULL, NULL, '羊咳嗽流鼻涕'),
	(11, 5, '2025-04-28 13:00', 'poultry',   'sms',  '王建国', 1200,   5,    NULL, NULL, '蛋鸡产蛋率下降'),
	-- May: 4 asked, 3 answered
	(12, 5, '2025-05-06 08:00', 'vegetable', 'sms',  '张伟',   345600, 1,    NULL, NULL, '番茄裂果是什么原因'),
	(13, 6, '2025-05-14 10:00', 'livestock', 'sms',  '李秀英', 25200,  NULL, NULL, NULL, '小猪打什么疫苗'),
	(14, 3, '2025-05-20 17:00', 'fruit_tea', 'sms',  '张伟',   NULL,   NULL, NULL, NULL, '桃树流胶怎么治'),
	(15, 1, '2025-05-29 09:00', 'poultry',   'sms',  '王建国', 9000,   4,    NULL, NULL, '鹅得了小鹅瘟'),
	-- June: 5 asked, 4 answered
	(16, 4, '2025-06-03 10:00', 'aqua',      'sms',  '刘芳',   3000,   5,    NULL, NULL, '小龙虾脱壳不顺'),
	(17, 5, '2025-06-10 09:00', 'poultry',   'sms',  '王建国', 3600,   5,    NULL, NULL, '鸡冠发紫'),
	(18, 2, '2025-06-15 14:00', 'livestock', 'commissioner', '李秀英', NULL, NULL, NULL, NULL, '牛不反刍'),
	(19, 4, '2025-06-21 11:00', 'vegetable', 'sms',  '张伟',   43200,  4,    NULL, NULL, '白菜软腐病'),
	(20, 7, '2025-06-28 20:00', 'triage',    'sms',  '陈静',   5400,   NULL, NULL, NULL, '我想问一下这个怎么弄'),
	-- after the period
	(22, 2, '2025-07-02 10:00', 'livestock', 'sms',  '李秀英', 7200,   4,    NULL, NULL, '猪身上长红点');

CREATE TEMP VIEW s AS
SELECT seed.*,
    strftime('%s', at, '-8 hours') * 1000 AS t0,
    strftime('%s', at, '-8 hours') * 1000 + answer_after * 1000 AS t1,
    (SELECT id FROM experts WHERE name = seed.expert) AS e1,
    (SELECT id FROM experts WHERE name = seed.passed_to) AS e2
FROM seed;

INSERT INTO consultations (id, farmer_id, channel, question, category, classified_by,
    rules_category, score, status, expert_id, commissioner_id, created_at, assigned_at,
    first_answered_at, last_answered_at, answered_by, rating, rated_at)
SELECT id, farmer, channel, question, category, 'rules', category,
    CASE category WHEN 'triage' THEN 0 ELSE 8 END,
    CASE WHEN answer_after IS NULL THEN 'assigned' ELSE 'answered' END,
    coalesce(e2, e1),
    CASE channel WHEN 'commissioner' THEN (SELECT id FROM experts WHERE role = 'commissioner') END,
    t0, t0 + coalesce(passed_after, 0) * 1000, t1, t1,
    CASE WHEN answer_after IS NOT NULL THEN coalesce(e2, e1) END,
    rating, CASE WHEN rating IS NOT NULL THEN t1 + 3600000 END
FROM s;

-- Who had each question: the first expert from the moment it came in; for #7 the second from
-- the pass on.
INSERT INTO assignments (consultation_id, expert_id, assigned_at, ended_at, outcome)
SELECT id, e1, t0,
    CASE WHEN e2 IS NOT NULL THEN t0 + passed_after * 1000
         WHEN answer_after IS NOT NULL THEN t1 END,
    CASE WHEN e2 IS NOT NULL THEN 'passed' WHEN answer_after IS NOT NULL THEN 'answered' END
FROM s;
INSERT INTO assignments (consultation_id, expert_id, assigned_at, ended_at, outcome)
SELECT id, e2, t0 + passed_after * 1000, t1, 'answered' FROM s WHERE e2 IS NOT NULL;

INSERT INTO events (consultation_id, at, kind, expert_id)
SELECT id, t0, 'created', NULL FROM s;
INSERT INTO events (consultation_id, at, kind, expert_id)
SELECT id, t0, 'assigned', e1 FROM s;
INSERT INTO events (consultation_id, at, kind, expert_id)
SELECT id, t0 + passed_after * 1000, 'passed', e1 FROM s WHERE e2 IS NOT NULL;
INSERT INTO events (consultation_id, at, kind, expert_id)
SELECT id, t0 + passed_after * 1000, 'assigned', e2 FROM s WHERE e2 IS NOT NULL;
INSERT INTO events (consultation_id, at, kind, expert_id)
SELECT id, t1, 'answered', coalesce(e2, e1) FROM s WHERE answer_after IS NOT NULL;
INSERT INTO events (consultation_id, at, kind, expert_id)
SELECT id, t1 + 3600000, 'rated', NULL FROM s WHERE rating IS NOT NULL;

COMMIT;
