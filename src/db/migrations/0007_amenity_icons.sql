-- 0007 amenity icons: the catalog names a drawn icon (src/domain/icons.inc,
-- lucide names such as 'microwave') instead of holding an emoji, which a
-- phone without an emoji font shows as an empty box. The emoji of the first
-- catalog map to their drawings; any other icon an admin set becomes the
-- plain 'circle-dot' until an admin picks one. (0006 is taken by another
-- change under way.)
UPDATE amenities SET icon = CASE icon
	WHEN '💧' THEN 'droplet'
	WHEN '🪑' THEN 'armchair'
	WHEN '🔥' THEN 'heater'
	WHEN '❄️' THEN 'snowflake'
	WHEN '🍱' THEN 'microwave'
	WHEN '🧊' THEN 'refrigerator'
	WHEN '🔌' THEN 'plug-zap'
	WHEN '🔋' THEN 'battery-full'
	WHEN '🩹' THEN 'cross'
	WHEN '☂️' THEN 'umbrella'
	WHEN '🧥' THEN 'cloud-rain'
	WHEN '🧰' THEN 'toolbox'
	WHEN '🚲' THEN 'bike'
	WHEN '📶' THEN 'wifi'
	WHEN '🚻' THEN 'toilet'
	WHEN '🍼' THEN 'baby'
	WHEN '📚' THEN 'book-open'
	WHEN '🧵' THEN 'spool'
	WHEN '👥' THEN 'users'
	WHEN '📽️' THEN 'projector'
	ELSE icon END;
UPDATE amenities SET icon = 'circle-dot' WHERE icon NOT IN (
	'armchair', 'baby', 'bandage', 'battery-full', 'bike', 'book-open', 'camera',
	'chevron-right', 'circle-dot', 'cloud-rain', 'coffee', 'cross', 'cup-soda', 'droplet',
	'external-link', 'fan', 'flame', 'glass-water', 'heart-pulse', 'heater',
	'locate', 'map', 'map-pin', 'microwave', 'navigation', 'phone', 'pill',
	'plug-zap', 'printer', 'projector', 'refrigerator', 'scissors', 'shirt',
	'shower-head', 'snowflake', 'sofa', 'spool', 'toilet', 'toolbox', 'umbrella',
	'users', 'utensils', 'wifi', 'wrench');
