-- caf� � ��� �� �
SELECT 1;
-- cut �