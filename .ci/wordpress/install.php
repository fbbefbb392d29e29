<?php
/*
 * Installs a fresh WordPress site into the empty database named by the Debian config file (run by setup.sh with
 * the PHP CLI; Debian ships no wp-cli), adds what the tests need, and prints it as one JSON object:
 * the posting user and an Application Password for it, a post with a visitor's comment, and a second post with
 * a comment (a parent that belongs to another post).
 *
 * Environment: CMTUI_WP_CONFIG (config name, as for router.php), CMTUI_WP_PORT.
 */

$port = getenv('CMTUI_WP_PORT');
$_SERVER['WORDPRESS_CONFIG'] = getenv('CMTUI_WP_CONFIG');
$_SERVER['HTTP_HOST'] = '127.0.0.1:' . $port;
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['SERVER_PORT'] = $port;
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);

// Pluggable: wp_install() would mail the new password to the admin.
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password) {
}

require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

// wp_install() probes pretty permalinks over HTTP (and core may phone home): no HTTP at all from here.
add_filter('pre_http_request', function () {
    return new WP_Error('cmtui_offline', 'no HTTP while installing');
});

$user_login = 'cmtui';
$display_name = 'Acme Support';
$installed = wp_install('cmtui CI blog', $user_login, 'support@example.invalid', false, '', wp_generate_password(24));
$user_id = (int) $installed['user_id'];
wp_update_user(array('ID' => $user_id, 'display_name' => $display_name, 'nickname' => $display_name));

// Pretty permalinks (router.php plays mod_rewrite); a soft flush never writes .htaccess (a symlink into /etc).
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%postname%/');
$wp_rewrite->flush_rules(false);

foreach (array('comments_notify' => 0, 'moderation_notify' => 0, 'comment_moderation' => 0,
               'default_comment_status' => 'open', 'thread_comments' => 1, 'comment_registration' => 0)
         as $option => $value) {
    update_option($option, $value);
}

function cmtui_post($title, $slug, $content, $author) {
    $id = wp_insert_post(array(
        'post_title' => $title, 'post_name' => $slug, 'post_content' => $content, 'post_status' => 'publish',
        'comment_status' => 'open', 'post_author' => $author,
        'post_date_gmt' => gmdate('Y-m-d H:i:s', time() - 3600),
        'post_date' => get_date_from_gmt(gmdate('Y-m-d H:i:s', time() - 3600)),
    ), true);
    if (is_wp_error($id)) {
        fwrite(STDERR, 'cannot create the post: ' . $id->get_error_message() . "\n");
        exit(1);
    }
    return (int) $id;
}

function cmtui_visitor_comment($post_id, $name, $content) {
    $when = gmdate('Y-m-d H:i:s', time() - 600);
    return (int) wp_insert_comment(array(
        'comment_post_ID' => $post_id, 'comment_author' => $name,
        'comment_author_email' => strtolower(str_replace(' ', '.', $name)) . '@example.invalid',
        'comment_content' => $content, 'comment_approved' => 1, 'comment_type' => 'comment',
        'comment_date_gmt' => $when, 'comment_date' => get_date_from_gmt($when),
    ));
}

$post_id = cmtui_post('Release notes for 2.0', 'release-notes-2-0',
                      'Version 2.0 is out. Tell us what you think!', $user_id);
$comment_id = cmtui_visitor_comment($post_id, 'Dana Visitor', 'Is the Windows build out yet?');
$other_post_id = cmtui_post('Roadmap', 'roadmap', 'What comes next.', $user_id);
$other_comment_id = cmtui_visitor_comment($other_post_id, 'Sam Reader', 'Any plans for dark mode?');

$app = WP_Application_Passwords::create_new_application_password($user_id, array('name' => 'cmtui'));
if (is_wp_error($app)) {
    fwrite(STDERR, 'cannot create the Application Password: ' . $app->get_error_message() . "\n");
    exit(1);
}

echo json_encode(array(
    'site' => home_url(),
    'port' => (int) $port,
    'wp_version' => get_bloginfo('version'),
    'user' => $user_login,
    'display_name' => $display_name,
    'app_password' => $app[0],
    'post_id' => $post_id,
    'post_url' => get_permalink($post_id),
    'comment_id' => $comment_id,
    'comment_url' => get_comment_link($comment_id),
    'other_post_id' => $other_post_id,
    'other_comment_id' => $other_comment_id,
), JSON_UNESCAPED_SLASHES) . "\n";
