-- café à  í € ð€ ÿ
SELECT 1;
-- cut â‚