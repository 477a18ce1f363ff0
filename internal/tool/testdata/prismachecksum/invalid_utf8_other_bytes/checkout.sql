-- caf่ เก ํก€ ๐ þ
SELECT 1;
-- cut โ