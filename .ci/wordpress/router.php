<?php
/*
 * Router for `php -S` serving Debian's /usr/share/wordpress: stands in for what Apache does in Debian's setup.
 *
 * - `SetEnv WORDPRESS_CONFIG <name>`: Debian's wp-config.php then loads /etc/wordpress/config-<name>.php.
 *   The built-in server does not copy the environment into $_SERVER, so it is set here from CMTUI_WP_CONFIG.
 * - The rewrite rules of /etc/wordpress/htaccess: an existing file is served as it is, anything else goes to
 *   index.php (so /wp-json/..., feeds and pretty permalinks work).
 *
 * PHP files are run from here (not handed back to the server) so that they see WORDPRESS_CONFIG too.
 */

$_SERVER['WORDPRESS_CONFIG'] = getenv('CMTUI_WP_CONFIG') ?: '';
$root = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?: '/');
$target = realpath($root . $path);
$inside = $target !== false && ($target === $root || strpos($target, $root . '/') === 0);

$script = $root . '/index.php';
if ($inside && is_dir($target) && is_file($target . '/index.php')) {
    $script = $target . '/index.php';
} elseif ($inside && is_file($target)) {
    if (substr($target, -4) !== '.php') {
        return false; // a static file: the built-in server sends it
    }
    $script = $target;
}

$_SERVER['SCRIPT_FILENAME'] = $script;
$_SERVER['SCRIPT_NAME'] = substr($script, strlen($root));
$_SERVER['PHP_SELF'] = $_SERVER['SCRIPT_NAME'];
chdir(dirname($script));
require $script;
